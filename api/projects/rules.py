"""The object rule of projects, and the project roles every task rule reads (issue 14).

A person sees a project when they are one of its members (any project role); its leads edit
and archive it and manage its members and labels. Administrators hold every project
capability on every project (GRANTS in api/permissions.py). A task's rule (api/tasks/rules.py)
asks `project_role` / `member_of` here: visibility of tasks is membership of their project.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.extensions import db
from api.permissions import Actor, Capability, ObjectRule, register_rule
from api.projects.models import GENERAL_KEY, Project, ProjectMember, ProjectRole

_CACHE_KEY = "project_roles"


def general_id() -> int | None:
    """The id of the General project (GEN), or None when it does not exist (cached like roles)."""
    cache = db.session.info.setdefault(_CACHE_KEY, {})
    if "general" not in cache:
        cache["general"] = db.session.scalar(
            sa.select(Project.id).where(Project.key == GENERAL_KEY)
        )
    return cache["general"]


def project_role(actor_id: int, project_id: int | None) -> ProjectRole | None:
    """The project role of person `actor_id` in `project_id` (None: the General project), or
    None when they are not a member. Cached for the session (forget_roles clears it)."""
    if project_id is None:
        project_id = general_id()
        if project_id is None:
            return None
    cache = db.session.info.setdefault(_CACHE_KEY, {})
    key = (actor_id, project_id)
    if key not in cache:
        role = db.session.scalar(
            sa.select(ProjectMember.role).where(
                ProjectMember.user_id == actor_id, ProjectMember.project_id == project_id
            )
        )
        cache[key] = None if role is None else ProjectRole(role)
    return cache[key]


def forget_roles() -> None:
    """Drop the cached project roles (after a membership change)."""
    db.session.info.pop(_CACHE_KEY, None)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, _transaction: Any) -> None:
    """The cache lives for one transaction: a role read later is read again."""
    session.info.pop(_CACHE_KEY, None)


def member_projects(actor_id: Any, roles: tuple[ProjectRole, ...] | None = None) -> sa.Select:
    """SELECT of the ids of the projects `actor_id` (id or bound parameter) is a member of,
    with one of `roles` when given."""
    stmt = sa.select(ProjectMember.project_id).where(ProjectMember.user_id == actor_id)
    if roles is not None:
        stmt = stmt.where(ProjectMember.role.in_([r.value for r in roles]))
    return stmt


def _owns(actor: Actor, capability: Capability, project: Any) -> bool:
    role = project_role(actor.id, project.id)
    if capability is Capability.PROJECT_READ:
        return role is not None
    return role is ProjectRole.LEAD


def _clause(actor_id: Any, capability: Capability) -> sa.ColumnElement[bool]:
    if capability is Capability.PROJECT_READ:
        return Project.id.in_(member_projects(actor_id))
    return Project.id.in_(member_projects(actor_id, (ProjectRole.LEAD,)))


RULE = register_rule(
    "project",
    ObjectRule(
        read=Capability.PROJECT_READ, owns=_owns, clause=_clause, not_found="Project not found."
    ),
)
