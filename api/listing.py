"""One way to list a domain's objects: visibility from the object rule, named filter terms,
a sort, and one SQL statement per page (api/db.py `page_statements`).

A domain declares its `Listing` once: its entity, the capability that lets a person see an
object (`read`), its filter terms by name (each a function returning a WHERE condition whose
bound parameters are named after the term), its sort orders, and how a row becomes an item.
`Listing.page` adds the caller's visibility (api/permissions.py: nothing for a person who
sees every object, the domain's rule for the others), binds the values and runs the page.

With `cached=True` (the default) the statements of each combination of terms and sort are
built once and kept: every request with the same filters shares the statement objects, so
SQLAlchemy skips building them and their cache keys (about 0.45 ms of a warm 50-task list,
bench/), not only compiling them. Values are always bound parameters, never literals, so a
statement built for one caller is safe for the next.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from api.db import Page, PageStatements, fetch_page, page_statements
from api.extensions import db
from api.permissions import RULE, Capability, grant, rule_clause

VISIBLE = "_visible"  # the object rule's term; binds "actor_id"
NOTHING = "_nothing"  # a caller without the read capability sees nothing


@dataclass
class Listing:
    """A domain's list. See the module docstring; `page` runs it."""

    entity: Any
    read: Capability
    terms: Mapping[str, Callable[[], sa.ColumnElement[bool]]]
    order: Callable[[str], list[Any]]
    shape: Callable[[sa.Select[Any]], sa.Select[Any]] | None = None
    item: Callable[[sa.Row[Any]], Any] = operator.itemgetter(0)
    options: tuple[Any, ...] = ()
    # Fills what a row cannot carry (a task's assignees and labels) for a whole page at once,
    # with a fixed number of statements whatever the page size.
    attach: Callable[[list[Any]], None] | None = None
    cached: bool = True
    cache_size: int = 256
    _terms: dict[str, Callable[[], Any]] = field(init=False, repr=False)
    _statements: Callable[[tuple[str, ...], str], PageStatements] = field(init=False, repr=False)

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

    def _build(self, terms: tuple[str, ...], sort: str) -> PageStatements:
        stmt = sa.select(self.entity).where(*(self._terms[term]() for term in terms))
        return page_statements(
            stmt.order_by(*self.order(sort)), options=self.options, shape=self.shape
        )

    def page(
        self,
        *,
        actor: Any,
        terms: tuple[str, ...],
        params: Mapping[str, Any],
        sort: str,
        page: int,
        page_size: int,
    ) -> Page[Any]:
        """One page of what `actor` may see among the rows matching every term of `terms`.

        `params` holds the terms' bound values. One SQL statement (two for a page past the end),
        plus those of `attach` for a page with items.
        """
        how = grant(actor, self.read)
        visible: tuple[str, ...] = ()
        bound = dict(params)
        if how is RULE:
            visible = (VISIBLE,)
            bound["actor_id"] = actor.id
        elif how is None:
            visible = (NOTHING,)
        result = fetch_page(
            db.session,
            self._statements(visible + tuple(terms), sort),
            page=page,
            page_size=page_size,
            params=bound,
            item=self.item,
        )
        if self.attach is not None and result.items:
            self.attach(result.items)
        return result
