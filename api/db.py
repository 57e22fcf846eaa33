"""Database foundations: the declarative base, UTC timestamps, string enums, pagination and
the unit of work (a service command's transaction)."""

from __future__ import annotations

import enum
import math
import operator
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, registry

T = TypeVar("T")


@contextmanager
def unit_of_work(session: Any = None) -> Iterator[Any]:
    """One service command's transaction: commit when the block ends, roll back if it raises.

    `with unit_of_work(): ...` holds a command's writes (the change, its activity row, its
    outbox rows) and commits them together; any exception (a DomainError included) rolls the
    whole block back and propagates, so an adapter never rolls back for a service. `session`
    defaults to the Flask-SQLAlchemy session.
    """
    if session is None:
        from api.extensions import db  # api.extensions imports this module

        session = db.session
    if session.info.get(_HELD):  # inside `one_transaction`: it commits or rolls back
        yield session
        return
    try:
        yield session
        session.commit()  # a failing commit (a constraint at flush) rolls back too
    except BaseException:
        session.rollback()
        raise


_HELD = "taskdesk.one_transaction"


@contextmanager
def one_transaction(session: Any = None) -> Iterator[Any]:
    """Several service commands in one transaction: each one's `unit_of_work` joins this one,
    which commits when the block ends and rolls every command back if it raises.

    The bulk task actions run the single-change commands for one task in this, so a task's
    status, assignees and edit land together or not at all. Not reentrant.
    """
    if session is None:
        from api.extensions import db

        session = db.session
    session.info[_HELD] = True
    try:
        yield session
        session.info.pop(_HELD, None)
        session.commit()
    except BaseException:
        session.info.pop(_HELD, None)
        session.rollback()
        raise


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Store datetimes as naive UTC (MySQL DATETIME(6), SQLite text) and read them back aware.

    Raises ValueError when handed a naive datetime: every time in taskdesk is UTC-aware.
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "mysql":
            from sqlalchemy.dialects.mysql import DATETIME

            return dialect.type_descriptor(DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def str_enum(enum_cls: type[enum.Enum], length: int = 20) -> sa.Enum:
    """A VARCHAR column holding the enum's values (not names), with no database ENUM type.

    A CHECK constraint is left out so that adding a value never needs a table rebuild.
    """
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    """Make SQLite enforce FOREIGN KEY clauses (ON DELETE SET NULL), as MySQL does.

    SQLite ignores them unless each connection turns them on. Migrations turn them off while they
    run (api/migrations/env.py): batch mode rebuilds tables, and dropping one would fire them.
    """
    if type(dbapi_connection).__module__ == "sqlite3":
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


class Base(DeclarativeBase):
    """Declarative base with naming conventions, so Alembic names constraints the same way."""

    registry = registry(
        metadata=sa.MetaData(
            naming_convention={
                "ix": "ix_%(table_name)s_%(column_0_N_name)s",
                "uq": "uq_%(table_name)s_%(column_0_N_name)s",
                "ck": "ck_%(table_name)s_%(constraint_name)s",
                "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
                "pk": "pk_%(table_name)s",
            }
        ),
        type_annotation_map={datetime: UTCDateTime()},
    )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: `items`, 1-based `page`, `page_size`, and the `total` row count.

    Keyset lists (api/listing.py) also fill `next_cursor` / `prev_cursor` (None: no page that
    way) and set `total_is_lower_bound` when `total` is capped (at least that many rows match).
    """

    items: list[T]
    page: int
    page_size: int
    total: int
    total_is_lower_bound: bool = False
    next_cursor: str | None = None
    prev_cursor: str | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size)) if self.page_size else 1


@dataclass(frozen=True)
class PageStatements:
    """The statements of one list: `page` selects a page, `count` counts every matching row.

    `page` takes its LIMIT and OFFSET from the bound parameters `page_limit` and `page_offset`
    and carries the total as its last column, so one statement object serves every page. A list
    that builds these once per filter combination (and binds the filter values as parameters)
    also skips building the statement and its cache key on each request.
    """

    page: sa.Select[Any]
    count: sa.Select[Any]


def page_statements(
    stmt: sa.Select[Any],
    *,
    options: tuple[Any, ...] = (),
    shape: Callable[[sa.Select[Any]], sa.Select[Any]] | None = None,
) -> PageStatements:
    """The page and count statements of `stmt`, which holds the filters and the order.

    By default `stmt` selects one ORM entity, and `options` (joined eager loads of many-to-one
    relations) apply to the page only. A list that reads plain columns passes `shape`, which
    turns `stmt` into the page's SELECT (its columns and the joins they need).

    The total is an uncorrelated scalar subquery, `(SELECT count(*) FROM (<stmt>))`, which MySQL,
    MariaDB and SQLite evaluate once per statement. (A window `COUNT(*) OVER ()` would be shorter,
    but it makes the server join and sort every matching row before the LIMIT applies: twice the
    cost of the page on MariaDB 10.11 with 400 tasks.)
    """
    count = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    total = count.scalar_subquery().correlate(None).label("_total")
    page = (
        (shape(stmt) if shape else stmt.options(*options))
        .add_columns(total)
        .limit(sa.bindparam("page_limit", type_=sa.Integer))
        .offset(sa.bindparam("page_offset", type_=sa.Integer))
    )
    return PageStatements(page=page, count=count)


def fetch_page(
    session: Any,
    statements: PageStatements,
    *,
    page: int,
    page_size: int,
    params: Mapping[str, Any] | None = None,
    item: Callable[[sa.Row[Any]], Any] = operator.itemgetter(0),
) -> Page[Any]:
    """Run `statements` for page `page` (1-based) with `params` bound; one statement per page.

    `item` builds a page item from a row (by default its first column, the entity). Only a page
    past the end, which has no row to carry the total, costs a second statement.
    """
    bound = dict(params or {})
    paging = {"page_limit": page_size, "page_offset": (page - 1) * page_size}
    rows = session.execute(statements.page, {**bound, **paging}).all()
    items = [item(row) for row in rows]
    total = rows[0][-1] if rows else session.scalar(statements.count, bound) or 0
    return Page(items=items, page=page, page_size=page_size, total=total)


def paginate(
    session: Any,
    stmt: sa.Select[Any],
    *,
    page: int,
    page_size: int,
    options: tuple[Any, ...] = (),
) -> Page[Any]:
    """One page of the entities `stmt` selects, with its total: one statement per page.

    `stmt` holds the filters and the order; see `page_statements` for `options` and the total.
    """
    statements = page_statements(stmt, options=options)
    return fetch_page(session, statements, page=page, page_size=page_size)


def escape_like(text: str) -> str:
    """Escape LIKE's wildcards (`%`, `_`) and the escape character itself (backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(q: str) -> str:
    """The LIKE pattern that matches `q` anywhere, its wildcards escaped: `50%` → `%50\\%%`."""
    return f"%{escape_like(q)}%"


def text_search(q: str | sa.BindParameter[str], *columns: Any) -> sa.ColumnElement[bool]:
    """True where `q` occurs literally in any of `columns` (SQL LIKE, wildcards escaped).

    `q` is the text, or a bound parameter whose value will be `contains_pattern(text)`. Case
    follows the column collation: insensitive on MySQL's utf8mb4 default and, for ASCII, on
    SQLite.
    """
    pattern = q if isinstance(q, sa.BindParameter) else contains_pattern(q)
    return sa.or_(*(column.like(pattern, escape="\\") for column in columns))
