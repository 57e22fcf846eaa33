"""Project reads the pages need: where a person may create tasks, who may be assigned in a
project, who may join one, the labels of several projects (issue 14)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from api.extensions import db
from api.permissions import Capability, can, require
from api.projects.models import Label, Project, ProjectMember, ProjectRole
from api.projects.service import get_visible, list_visible
from api.users.models import Role, User, UserStatus

WORKING = (ProjectRole.LEAD.value, ProjectRole.MEMBER.value)
ASSIGNABLE_ROLES = (Role.EMPLOYEE, Role.MANAGER)


def creatable(actor: User) -> list[Project]:
    """The open (not archived) projects in which `actor` may create tasks (task.create)."""
    from api.tasks.rules import NewTask  # tasks import projects

    return [
        project
        for project in list_visible(actor, include_archived=False)
        if can(actor, Capability.TASK_CREATE, NewTask(project.id))
    ]


def assignable(project_ids: list[int]) -> dict[int, list[User]]:
    """{project_id: the active employees and managers holding a working role}, by username."""
    found: dict[int, list[User]] = defaultdict(list)
    if not project_ids:
        return found
    rows = db.session.execute(
        sa.select(ProjectMember.project_id, User)
        .join(User, User.id == ProjectMember.user_id)
        .where(
            ProjectMember.project_id.in_(project_ids),
            ProjectMember.role.in_(WORKING),
            User.status == UserStatus.ACTIVE,
            User.role.in_(ASSIGNABLE_ROLES),
        )
        .order_by(User.username)
    )
    for project_id, user in rows:
        found[project_id].append(user)
    return found


def labels_of(project_ids: list[int]) -> dict[int, list[Label]]:
    """{project_id: its labels by name}."""
    found: dict[int, list[Label]] = defaultdict(list)
    if project_ids:
        for label in db.session.scalars(
            sa.select(Label).where(Label.project_id.in_(project_ids)).order_by(Label.name)
        ):
            found[label.project_id].append(label)
    return found


def candidates(*, key: str, actor: User) -> list[User]:
    """Active accounts that are not members of the project yet (project.manage_members)."""
    project = get_visible(key, actor)
    require(actor, Capability.PROJECT_MANAGE_MEMBERS, project)
    members = sa.select(ProjectMember.user_id).where(ProjectMember.project_id == project.id)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.status == UserStatus.ACTIVE, User.id.not_in(members))
            .order_by(User.username)
        )
    )
