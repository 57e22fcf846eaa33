"""One way to list a domain's objects: visibility from the object rule, named filter terms,
a sort, keyset (cursor) pages, and a capped total, in one SQL statement per page.

A domain declares its `Listing` once: its entity, the capability that lets a person see an
object (`read`), its filter terms by name (each a function returning a WHERE condition whose
bound parameters are named after the term), its sorts as `Segment`s, and how a row becomes an
item. `Listing.page` adds the caller's visibility (api/permissions.py: nothing for a person who
sees every object, the domain's rule for the others), binds the values and runs the page.

Sorts and indexes. A sort is a list of segments read one after the other; inside a segment rows
go by (key, id), both in the same direction, so an index on the key (InnoDB and SQLite append the
primary key to every secondary index) serves the order and the keyset condition as one range.
A nullable key is two segments (rows with a key, then rows without one, by id), so that missing
deadlines go last in both directions; a rank such as priority is one segment per value. The
page statement reads the segments as a UNION ALL of small index-ordered selects of
(segment, key, id), each limited to the page, then joins the page's rows (a deferred join).

Cursors. Every page answers an opaque `next` cursor (after its last row) when more rows follow,
and a `prev` cursor (before its first row) when it was reached by a cursor or a page number
past the first. A cursor holds the sort, the segment, the key and the id of one row, signed
with the app's SECRET_KEY (itsdangerous, salt CURSOR_SALT): a cursor that was forged, garbled or
made for another sort answers 422 naming `cursor`. A cursor is a position, not a snapshot: rows
added or removed meanwhile are simply there or not.

Totals. `total` is exact up to TOTAL_CAP matching rows: the page carries
`SELECT count(*) FROM (SELECT id ... LIMIT TOTAL_CAP + 1)` as a column, so counting stops after
TOTAL_CAP + 1 index entries whatever the table's size. Beyond it `total` is TOTAL_CAP and
`total_is_lower_bound` is true.

Page numbers. `page` keeps working (OFFSET over the same statement) while its offset is at most
MAX_OFFSET rows; beyond, 422 naming `page` that points at the cursors.

With `cached=True` (the default) the statements of each combination of terms, sort and cursor
shape are built once and kept; values are always bound parameters, never literals.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from api.db import Page
from api.errors import Unprocessable
from api.extensions import db
from api.permissions import RULE, Capability, grant, require_scope, rule_clause

VISIBLE = "_visible"  # the object rule's term; binds "actor_id"
NOTHING = "_nothing"  # a caller without the read capability sees nothing
TOTAL_CAP = 10_000  # exact totals up to this many matching rows
MAX_OFFSET = 10_000  # deepest row a page number may start at
CURSOR_SALT = "taskdesk.list-cursor"
AFTER, BEFORE = "a", "b"


@dataclass(frozen=True)
class Segment:
    """A run of a sort: rows matching `where` (None: every row) ordered by (`key`, id), both
    ascending unless `descending`. `keyed=False`: the key is constant or NULL in this segment,
    so rows go by id alone."""

    where: Callable[[], sa.ColumnElement[bool]] | None
    key: Callable[[], Any]
    descending: bool = False
    keyed: bool = True


@dataclass(frozen=True)
class Position:
    """A decoded cursor: the row (segment, key, id) and whether the page is AFTER or BEFORE it."""

    sort: str
    segment: int
    key: Any
    id: int
    way: str


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=CURSOR_SALT)


def _dump_key(value: Any) -> Any:
    if isinstance(value, datetime):
        return ["d", value.isoformat()]
    if isinstance(value, float):
        return ["f", value]
    return ["v", getattr(value, "value", value)]


def _load_key(raw: Any) -> Any:
    kind, value = raw
    if kind == "d":
        return datetime.fromisoformat(value)
    if kind == "f":
        return float(value)
    if kind == "v" and (value is None or isinstance(value, (str, int))):
        return value
    raise ValueError(kind)


def encode_cursor(position: Position) -> str:
    """The opaque, signed text of `position` (URL-safe)."""
    return _signer().dumps(
        [position.sort, position.segment, _dump_key(position.key), position.id, position.way]
    )


def decode_cursor(text: str, *, sort: str, segments: int) -> Position:
    """The position `text` holds. Raises Unprocessable naming `cursor` (location "query") when
    the signature fails, the content is malformed, or it was made for another sort."""
    try:
        raw_sort, segment, key, row_id, way = _signer().loads(text)
        position = Position(str(raw_sort), int(segment), _load_key(key), int(row_id), str(way))
        if key[0] == "d" and position.key.tzinfo is None:
            raise ValueError("naive")
    except (BadData, ValueError, TypeError, IndexError, KeyError):
        raise Unprocessable.field(
            "cursor",
            "Not a cursor this list gave out; start again from the first page.",
            location="query",
        ) from None
    if position.sort != sort or not 0 <= position.segment < segments or way not in (AFTER, BEFORE):
        raise Unprocessable.field(
            "cursor",
            "This cursor belongs to another sort; start again from the first page.",
            location="query",
        )
    return position


@dataclass
class Listing:
    """A domain's list. See the module docstring; `page` runs it."""

    entity: Any
    read: Capability
    terms: Mapping[str, Callable[[], sa.ColumnElement[bool]]]
    sorts: Callable[[str], Sequence[Segment]]
    shape: Callable[[sa.Select[Any]], sa.Select[Any]] | None = None
    item: Callable[[sa.Row[Any]], Any] = operator.itemgetter(0)
    options: tuple[Any, ...] = ()
    # Fills what a row cannot carry (a task's assignees and labels) for a whole page at once,
    # with a fixed number of statements whatever the page size.
    attach: Callable[[list[Any]], None] | None = None
    cached: bool = True
    cache_size: int = 512
    _terms: dict[str, Callable[[], Any]] = field(init=False, repr=False)
    _statements: Callable[..., tuple[sa.Select[Any], sa.Select[Any]]] = field(
        init=False, repr=False
    )

    def __post_init__(self) -> None:
        read = self.read
        self._terms = {
            **self.terms,
            VISIBLE: lambda: rule_clause(read, sa.bindparam("actor_id")),
            NOTHING: sa.false,
        }
        build = self._build
        if self.cached:
            build = functools.lru_cache(maxsize=self.cache_size)(build)
        self._statements = build

    def _segment_select(
        self, where: list[Any], segment: Segment, number: int, backward: bool, keyed_from: bool
    ) -> sa.Select[Any]:
        ident = self.entity.id
        key = segment.key()
        descending = segment.descending != backward
        conditions = list(where)
        if segment.where is not None:
            conditions.append(segment.where())
        cid = sa.bindparam("cursor_id", type_=sa.Integer)
        if keyed_from and segment.keyed:
            ck = sa.bindparam("cursor_key", type_=key.type)
            if descending:
                conditions += [key <= ck, sa.or_(key < ck, ident < cid)]
            else:
                conditions += [key >= ck, sa.or_(key > ck, ident > cid)]
        elif keyed_from:
            conditions.append(ident < cid if descending else ident > cid)
        order = [key, ident] if segment.keyed else [ident]
        column_key = key if segment.keyed else sa.null()
        inner = (
            sa.select(
                sa.literal(number, sa.Integer).label("seg"),
                sa.type_coerce(column_key, key.type).label("k"),
                ident.label("kid"),
            )
            .where(*conditions)
            .order_by(*(c.desc() if descending else c.asc() for c in order))
            .limit(sa.bindparam("inner_limit", type_=sa.Integer))
        )
        # SQLite takes no ORDER BY / LIMIT on a member of a compound select: wrap each.
        sub = inner.subquery(f"s{number}")
        return sa.select(sub.c.seg, sub.c.k, sub.c.kid)

    def _build(
        self, terms: tuple[str, ...], sort: str, way: str | None, start: int
    ) -> tuple[sa.Select[Any], sa.Select[Any]]:
        """The page statement and the count statement of one list shape.

        `way` None: from the first row (offset paging); AFTER / BEFORE: from the cursor's row in
        segment `start`.
        """
        where = [self._terms[term]() for term in terms]
        segments = list(self.sorts(sort))
        backward = way == BEFORE
        numbers = range(start, -1, -1) if backward else range(start, len(segments))
        parts = [
            self._segment_select(where, segments[n], n, backward, way is not None and n == start)
            for n in numbers
        ]
        keys = (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery("page_keys")
        descending = segments[0].descending != backward
        order = [keys.c.seg.desc() if backward else keys.c.seg.asc()]
        order += [c.desc() if descending else c.asc() for c in (keys.c.k, keys.c.kid)]
        count = sa.select(sa.func.count()).select_from(
            sa.select(self.entity.id)
            .where(*where)
            .limit(sa.bindparam("count_limit", type_=sa.Integer))
            .subquery("counted")
        )
        total = count.scalar_subquery().correlate(None).label("_total")
        base = sa.select(self.entity).join(keys, keys.c.kid == self.entity.id)
        base = self.shape(base) if self.shape else base.options(*self.options)
        page = (
            base.add_columns(keys.c.seg, keys.c.k, keys.c.kid, total)
            .order_by(*order)
            .limit(sa.bindparam("page_limit", type_=sa.Integer))
            .offset(sa.bindparam("page_offset", type_=sa.Integer))
        )
        return page, count

    def page(
        self,
        *,
        actor: Any,
        terms: tuple[str, ...],
        params: Mapping[str, Any],
        sort: str,
        page: int = 1,
        page_size: int,
        cursor: str | None = None,
    ) -> Page[Any]:
        """One page of what `actor` may see among the rows matching every term of `terms`.

        `params` holds the terms' bound values. From `cursor` when given (then `page` is
        ignored), else page `page` (1-based). One SQL statement (two for an empty page), plus
        those of `attach` for a page with items.
        Raises Forbidden naming the scope for a personal access token without `read`'s scope;
        Unprocessable naming `cursor` for a cursor it did not give out, naming `page`
        for a page starting past MAX_OFFSET rows.
        """
        require_scope(actor, self.read)  # a personal access token without it: 403, not empty
        how = grant(actor, self.read)
        visible: tuple[str, ...] = ()
        bound = dict(params)
        if how is RULE:
            visible = (VISIBLE,)
            bound["actor_id"] = actor.id
        elif how is None:
            visible = (NOTHING,)
        segments = len(self.sorts(sort))
        position = None
        offset = 0
        if cursor:
            position = decode_cursor(cursor, sort=sort, segments=segments)
            bound["cursor_key"] = position.key
            bound["cursor_id"] = position.id
            page = 1
        else:
            offset = (page - 1) * page_size
            if offset > MAX_OFFSET:
                raise Unprocessable.field(
                    "page",
                    f"Page numbers reach the first {MAX_OFFSET:,} rows only; follow the "
                    "`next` cursor of a page to read further.",
                    location="query",
                )
        way = position.way if position else None
        start = position.segment if position else 0
        stmt, count = self._statements(visible + tuple(terms), sort, way, start)
        limits = {
            "inner_limit": offset + page_size + 1,
            "page_limit": page_size + 1,
            "page_offset": offset,
            "count_limit": TOTAL_CAP + 1,
        }
        rows = db.session.execute(stmt, {**bound, **limits}).all()
        more = len(rows) > page_size
        rows = rows[:page_size]
        if way == BEFORE:
            rows.reverse()
        total = rows[0][-1] if rows else db.session.scalar(count, {**bound, **limits}) or 0

        def at(row: sa.Row[Any], direction: str) -> str:
            return encode_cursor(Position(sort, row[-4], row[-3], row[-2], direction))

        next_cursor = prev_cursor = None
        if rows:
            has_next = more if way != BEFORE else True
            has_prev = (more if way == BEFORE else True) if position else offset > 0
            next_cursor = at(rows[-1], AFTER) if has_next else None
            prev_cursor = at(rows[0], BEFORE) if has_prev else None
        result = Page(
            items=[self.item(row) for row in rows],
            page=page,
            page_size=page_size,
            total=min(total, TOTAL_CAP),
            total_is_lower_bound=total > TOTAL_CAP,
            next_cursor=next_cursor,
            prev_cursor=prev_cursor,
        )
        if self.attach is not None and result.items:
            self.attach(result.items)
        return result
