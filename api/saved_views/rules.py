"""The object rule of saved views.

A private view (no project) is seen by its owner only; a view shared with a project is seen by
the owner and by whoever sees that project (the project rule, api/projects/rules.py: its
members; administrators see every project). Only the owner edits or deletes a view.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from api.permissions import Actor, Capability, ObjectRule, can, register_rule, visible_clause
from api.projects.models import Project
from api.saved_views.models import SavedView


def _owns(actor: Actor, capability: Capability, view: Any) -> bool:
    is_owner = view.owner_id == actor.id
    if capability is Capability.SAVED_VIEW_READ:
        return is_owner or (
            view.project is not None and can(actor, Capability.PROJECT_READ, view.project)
        )
    if capability in (Capability.SAVED_VIEW_EDIT, Capability.SAVED_VIEW_DELETE):
        return is_owner
    return False


def _clause(actor_id: Any, capability: Capability) -> sa.ColumnElement[bool]:
    # By id alone the shared part is the membership's; reads use read_clause, which also
    # gives administrators the views shared with every project (they see every project).
    is_owner = SavedView.owner_id == actor_id
    if capability is not Capability.SAVED_VIEW_READ:
        return is_owner
    from api.projects.rules import member_projects

    return sa.or_(is_owner, SavedView.project_id.in_(member_projects(actor_id)))


def read_clause(actor: Actor) -> sa.ColumnElement[bool]:
    """The views `actor` sees, as SQL: their own, and those shared with a project they see
    (administrators see every project, so every shared view)."""
    projects = visible_clause(actor, Capability.PROJECT_READ)
    if projects is None:
        return sa.or_(SavedView.owner_id == actor.id, SavedView.project_id.is_not(None))
    shared = SavedView.project_id.in_(sa.select(Project.id).where(projects))
    return sa.or_(SavedView.owner_id == actor.id, shared)


RULE = register_rule(
    "saved_view",
    ObjectRule(
        read=Capability.SAVED_VIEW_READ, owns=_owns, clause=_clause, not_found="View not found."
    ),
)
