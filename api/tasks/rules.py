"""The object rule of tasks: a task's project decides who holds its RULE capabilities (issue 14).

- Every member of a task's project (lead, member or viewer) reads it.
- Leads of the project, and managers who are members of it (project role member or lead, not
  viewer), create, edit, assign and delete its tasks ("lead rights").
- Members (lead or member) move the status of the tasks assigned to them.
- Viewers only read. Administrators hold everything on every task (GRANTS).

A task with no project (written by code older than migration 0005 during a deploy) belongs to
the General project (GEN). The role table is in api/permissions.py; project roles in
api/projects/rules.py. Each rule is here once in Python (`_owns`) and once in SQL (`_clause`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from api.permissions import Actor, Capability, ObjectRule, register_rule
from api.projects.models import GENERAL_KEY, Project, ProjectMember, ProjectRole
from api.projects.rules import member_projects, project_role
from api.tasks.models import Task, TaskAssignee
from api.users.models import Role, User

LEAD_RIGHTS = (
    Capability.TASK_CREATE,
    Capability.TASK_EDIT,
    Capability.TASK_ASSIGN,
    Capability.TASK_DELETE,
)
WORKING_ROLES = (ProjectRole.LEAD, ProjectRole.MEMBER)  # may be assigned, move their status


@dataclass(frozen=True)
class NewTask:
    """A task about to be created (or moved) in `project_id`: what `require(actor,
    Capability.TASK_CREATE, NewTask(project_id))` asks about."""

    project_id: int | None
    assignee_ids: tuple[int, ...] = ()


def assigned_to(actor_id: Any) -> sa.ColumnElement[bool]:
    """Tasks of which `actor_id` (an id or a bound parameter) is one of the assignees."""
    return sa.exists().where(TaskAssignee.task_id == Task.id, TaskAssignee.user_id == actor_id)


def has_lead_rights(actor: Actor, role: ProjectRole | None) -> bool:
    """Lead rights in a project: its lead, or a manager who is a member (not a viewer)."""
    return role is ProjectRole.LEAD or (role is ProjectRole.MEMBER and actor.role == Role.MANAGER)


# Leads and members comment on and watch their projects' tasks; viewers only read (issue 14).
TALKING = (Capability.TASK_COMMENT, Capability.TASK_WATCH)


def _owns(actor: Actor, capability: Capability, task: Any) -> bool:
    role = project_role(actor.id, task.project_id)
    if role is None:
        return False
    if capability is Capability.TASK_READ:
        return True
    if capability in TALKING:
        return role in WORKING_ROLES
    if has_lead_rights(actor, role):
        return capability in LEAD_RIGHTS or capability is Capability.TASK_SET_STATUS
    if capability is Capability.TASK_SET_STATUS:
        return role in WORKING_ROLES and actor.id in task.assignee_ids
    return False


def _in_projects(stmt: sa.Select) -> sa.ColumnElement[bool]:
    """Tasks whose project is among `stmt`'s ids; a task without one counts as General's."""
    general = sa.select(Project.id).where(Project.key == GENERAL_KEY, Project.id.in_(stmt))
    return sa.or_(Task.project_id.in_(stmt), sa.and_(Task.project_id.is_(None), sa.exists(general)))


def _lead_projects(actor_id: Any) -> sa.Select:
    return (
        sa.select(ProjectMember.project_id)
        .join(User, User.id == ProjectMember.user_id)
        .where(
            ProjectMember.user_id == actor_id,
            sa.or_(
                ProjectMember.role == ProjectRole.LEAD.value,
                sa.and_(
                    ProjectMember.role == ProjectRole.MEMBER.value,
                    User.role == Role.MANAGER.value,
                ),
            ),
        )
    )


def _clause(actor_id: Any, capability: Capability) -> sa.ColumnElement[bool]:
    if capability is Capability.TASK_READ:
        return _in_projects(member_projects(actor_id))
    if capability in TALKING:
        return _in_projects(member_projects(actor_id, WORKING_ROLES))
    if capability in LEAD_RIGHTS:
        return _in_projects(_lead_projects(actor_id))
    if capability is Capability.TASK_SET_STATUS:
        return sa.or_(
            _in_projects(_lead_projects(actor_id)),
            sa.and_(_in_projects(member_projects(actor_id, WORKING_ROLES)), assigned_to(actor_id)),
        )
    return sa.false()


RULE = register_rule(
    "task",
    ObjectRule(read=Capability.TASK_READ, owns=_owns, clause=_clause, not_found="Task not found."),
)
