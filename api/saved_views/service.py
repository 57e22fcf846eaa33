"""Saved view commands and reads: list, get, create, update, delete.

A view holds the task list's filters (validated by its own query schema, api/tasks/schemas.py)
and sort. Who sees and changes a view: api/saved_views/rules.py. Sharing needs a project the
owner sees; one they do not see is refused as bad input (422 naming `project`), never told
apart from one that does not exist.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from api.db import unit_of_work
from api.errors import NotFound, Unprocessable
from api.extensions import db
from api.permissions import Capability, can, require
from api.projects.models import Project
from api.saved_views import rules
from api.saved_views.models import SavedView
from api.users.models import User

MAX_VIEWS = 100  # per owner: the navbar lists them all
NOT_SHARABLE = "Choose a project you are a member of, or none to keep the view private."


def list_views(*, actor: User) -> list[SavedView]:
    """The views `actor` sees (their own, then those shared with their projects), by name."""
    require(actor, Capability.SAVED_VIEW_CREATE)
    stmt = (
        sa.select(SavedView)
        .where(rules.read_clause(actor))
        .order_by(SavedView.owner_id != actor.id, SavedView.name, SavedView.id)
        .limit(MAX_VIEWS * 2)
    )
    return list(db.session.scalars(stmt))


def get_visible(view_id: int, actor: User) -> SavedView:
    """The view if `actor` may see it (rules.read_clause); NotFound otherwise (never 403)."""
    require(actor, Capability.SAVED_VIEW_CREATE)  # an active account
    view = db.session.scalar(
        sa.select(SavedView).where(SavedView.id == view_id, rules.read_clause(actor))
    )
    if view is None:
        raise NotFound(rules.RULE.not_found)
    return view


def _project(key: str | None, actor: User) -> int | None:
    if key is None:
        return None
    project = db.session.scalar(sa.select(Project).where(Project.key == key.upper()))
    if project is None or not can(actor, Capability.PROJECT_READ, project):
        raise Unprocessable.field("project", NOT_SHARABLE)
    return project.id


def _apply(view: SavedView, data: dict[str, Any], actor: User) -> None:
    if "name" in data:
        view.name = data["name"].strip()
    if "filters" in data:
        view.filters = {k: v for k, v in data["filters"].items() if v not in (None, [])}
    if "sort" in data:
        view.sort = data["sort"]
    if "project" in data:
        view.project_id = _project(data["project"], actor)


def create(*, data: dict[str, Any], actor: User) -> SavedView:
    """Save a view for `actor` from `data` (ViewCreate: name, filters, sort, project).

    Raises Unprocessable naming `project` for a project the actor does not see, `name` once
    they own MAX_VIEWS views.
    """
    require(actor, Capability.SAVED_VIEW_CREATE)
    owned = db.session.scalar(
        sa.select(sa.func.count()).select_from(SavedView).where(SavedView.owner_id == actor.id)
    )
    if owned >= MAX_VIEWS:
        raise Unprocessable.field("name", f"You have {MAX_VIEWS} views: delete one first.")
    view = SavedView(owner_id=actor.id, name="", filters={})
    _apply(view, data, actor)
    with unit_of_work():
        db.session.add(view)
    return get_visible(view.id, actor)


def update(*, view_id: int, data: dict[str, Any], actor: User) -> SavedView:
    """Change a view's name, filters, sort or sharing (the owner only: saved_view.edit).

    Raises NotFound, Forbidden, Unprocessable naming `project`.
    """
    view = get_visible(view_id, actor)
    require(actor, Capability.SAVED_VIEW_EDIT, view)
    with unit_of_work():
        _apply(view, data, actor)
    db.session.refresh(view)
    return view


def delete(*, view_id: int, actor: User) -> None:
    """Delete a view (the owner only: saved_view.delete). Raises NotFound, Forbidden."""
    view = get_visible(view_id, actor)
    require(actor, Capability.SAVED_VIEW_DELETE, view)
    with unit_of_work():
        db.session.delete(view)
