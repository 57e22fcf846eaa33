"""Project commands and reads: create, edit, archive, members, labels (issue 14).

Each command starts with `require` (api/permissions.py: who may; api/projects/rules.py: the
project roles) and runs in one unit of work. A project the caller may not see answers 404
(design §2), as does everything in it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from api.db import unit_of_work, utcnow
from api.errors import Conflict, NotFound, Unprocessable
from api.extensions import db
from api.permissions import Capability, allowed, first_visible, require, visible_clause
from api.projects import rules
from api.projects.models import Label, Project, ProjectMember, ProjectRole
from api.users.models import Role, User, UserStatus

PROJECT_ACTIONS = (
    Capability.PROJECT_EDIT,
    Capability.PROJECT_MANAGE_MEMBERS,
    Capability.PROJECT_MANAGE_LABELS,
    Capability.PROJECT_ARCHIVE,
    Capability.PROJECT_IMPORT,
)
EDITABLE = ("name", "description")


def get_visible(key: str, actor: User) -> Project:
    """The project with `key` if `actor` may see it (project.read); NotFound otherwise."""
    stmt = sa.select(Project).where(Project.key == key.upper())
    return first_visible(stmt, actor, Capability.PROJECT_READ, not_found=rules.RULE.not_found)


def list_visible(actor: User, *, include_archived: bool = True) -> list[Project]:
    """The projects `actor` sees (administrators: all), by key."""
    stmt = sa.select(Project).order_by(Project.key)
    clause = visible_clause(actor, Capability.PROJECT_READ)
    if clause is not None:
        stmt = stmt.where(clause)
    if not include_archived:
        stmt = stmt.where(Project.archived_at.is_(None))
    return list(db.session.scalars(stmt))


def allowed_actions(project: Project, actor: User) -> frozenset[str]:
    """What `actor` may do to `project`: a subset of the PROJECT_ACTIONS names."""
    return allowed(actor, project, PROJECT_ACTIONS)


def create(*, data: dict[str, Any], actor: User) -> Project:
    """Create a project (project.create); the creator becomes its lead.

    `data`: key (2-10 A-Z/0-9, unique, immutable), name, description. Raises Forbidden,
    Unprocessable naming `key` when the key is taken.
    """
    require(actor, Capability.PROJECT_CREATE)
    with unit_of_work():
        key = data["key"]
        if db.session.scalar(sa.select(Project.id).where(Project.key == key)) is not None:
            raise Unprocessable.field("key", "Another project already uses this key.")
        project = Project(key=key, name=data["name"], description=data.get("description", ""))
        db.session.add(project)
        db.session.flush()
        db.session.add(
            ProjectMember(project_id=project.id, user_id=actor.id, role=ProjectRole.LEAD)
        )
    rules.forget_roles()
    return project


def update(*, key: str, changes: dict[str, Any], actor: User) -> Project:
    """Edit name or description (project.edit: its leads). The key never changes."""
    with unit_of_work():
        project = get_visible(key, actor)
        require(actor, Capability.PROJECT_EDIT, project)
        for field in EDITABLE:
            if field in changes:
                setattr(project, field, changes[field])
    return project


def set_archived(*, key: str, archived: bool, actor: User) -> Project:
    """Archive (no new tasks) or unarchive a project (project.archive: its leads)."""
    with unit_of_work():
        project = get_visible(key, actor)
        require(actor, Capability.PROJECT_ARCHIVE, project)
        if archived and project.archived_at is None:
            project.archived_at = utcnow()
        elif not archived:
            project.archived_at = None
    return project


def members(*, key: str, actor: User) -> list[dict[str, Any]]:
    """The members of a project the actor sees: [{"user": User, "role": ProjectRole}], by
    username."""
    project = get_visible(key, actor)
    rows = db.session.execute(
        sa.select(User, ProjectMember.role)
        .join(ProjectMember, ProjectMember.user_id == User.id)
        .where(ProjectMember.project_id == project.id)
        .order_by(User.username)
    )
    return [{"user": user, "role": ProjectRole(role), "id": user.id} for user, role in rows]


def set_member(*, key: str, user_id: int, role: ProjectRole, actor: User) -> dict[str, Any]:
    """Add a person to a project or change their role (project.manage_members: its leads).

    Raises NotFound, Forbidden, Unprocessable (`user_id`: not an active account; `role`: the
    last lead may not step down).
    """
    with unit_of_work():
        project = get_visible(key, actor)
        require(actor, Capability.PROJECT_MANAGE_MEMBERS, project)
        user = db.session.get(User, user_id)
        if user is None or user.status != UserStatus.ACTIVE:
            raise Unprocessable.field("user_id", "Must be the id of an active account.", "path")
        member = db.session.get(ProjectMember, (project.id, user_id))
        if member is None:
            member = ProjectMember(project_id=project.id, user_id=user_id, role=role)
            db.session.add(member)
        else:
            if member.role is ProjectRole.LEAD and role is not ProjectRole.LEAD:
                _keep_a_lead(project.id, user_id, "role")
            member.role = role
    rules.forget_roles()
    return {"user": user, "role": role, "id": user.id}


def remove_member(*, key: str, user_id: int, actor: User) -> None:
    """Remove a person from a project (project.manage_members). Their task assignments in it
    are removed too. Raises NotFound (project, or not a member), Forbidden, Conflict (the last
    lead)."""
    from api.tasks.models import Task, TaskAssignee  # tasks import projects

    with unit_of_work():
        project = get_visible(key, actor)
        require(actor, Capability.PROJECT_MANAGE_MEMBERS, project)
        member = db.session.get(ProjectMember, (project.id, user_id))
        if member is None:
            raise NotFound("Member not found.")
        if member.role is ProjectRole.LEAD:
            _keep_a_lead(project.id, user_id, None)
        task_ids = sa.select(Task.id).where(Task.project_id == project.id)
        db.session.execute(
            sa.delete(TaskAssignee).where(
                TaskAssignee.user_id == user_id, TaskAssignee.task_id.in_(task_ids)
            )
        )
        db.session.delete(member)
    rules.forget_roles()


def _keep_a_lead(project_id: int, leaving_id: int, field: str | None) -> None:
    others = db.session.scalar(
        sa.select(sa.func.count()).where(
            ProjectMember.project_id == project_id,
            ProjectMember.role == ProjectRole.LEAD.value,
            ProjectMember.user_id != leaving_id,
        )
    )
    if not others:
        message = "A project keeps at least one lead."
        if field:
            raise Unprocessable.field(field, message)
        raise Conflict(message)


def labels(*, key: str, actor: User) -> list[Label]:
    """A project's labels, by name."""
    project = get_visible(key, actor)
    return list(
        db.session.scalars(
            sa.select(Label).where(Label.project_id == project.id).order_by(Label.name)
        )
    )


def _label(project: Project, label_id: int) -> Label:
    label = db.session.get(Label, label_id)
    if label is None or label.project_id != project.id:
        raise NotFound("Label not found.")
    return label


def _unique_name(project: Project, name: str, label_id: int | None = None) -> None:
    stmt = sa.select(Label.id).where(Label.project_id == project.id, Label.name == name)
    found = db.session.scalar(stmt)
    if found is not None and found != label_id:
        raise Unprocessable.field("name", "The project already has a label with this name.")


def create_label(*, key: str, data: dict[str, Any], actor: User) -> Label:
    """Add a label (project.manage_labels). Raises Unprocessable naming `name` if taken."""
    with unit_of_work():
        project = get_visible(key, actor)
        require(actor, Capability.PROJECT_MANAGE_LABELS, project)
        _unique_name(project, data["name"])
        label = Label(project_id=project.id, name=data["name"], color=data.get("color", "#6b7280"))
        db.session.add(label)
    return label


def update_label(*, key: str, label_id: int, changes: dict[str, Any], actor: User) -> Label:
    """Rename or recolour a label (project.manage_labels)."""
    with unit_of_work():
        project = get_visible(key, actor)
        require(actor, Capability.PROJECT_MANAGE_LABELS, project)
        label = _label(project, label_id)
        if "name" in changes:
            _unique_name(project, changes["name"], label.id)
            label.name = changes["name"]
        if "color" in changes:
            label.color = changes["color"]
    return label


def delete_label(*, key: str, label_id: int, actor: User) -> None:
    """Delete a label; tasks lose it (project.manage_labels)."""
    with unit_of_work():
        project = get_visible(key, actor)
        require(actor, Capability.PROJECT_MANAGE_LABELS, project)
        db.session.delete(_label(project, label_id))


def join_general(user: User) -> None:
    """Make an active `user` a member of the General project (managers and administrators as
    leads), as migration 0005 did for everyone active then. Call in a unit of work."""
    from api.projects.numbering import ensure_general

    general = ensure_general()
    if db.session.get(ProjectMember, (general.id, user.id)) is None:
        lead = user.role in (Role.ADMIN, Role.MANAGER)
        role = ProjectRole.LEAD if lead else ProjectRole.MEMBER
        db.session.add(ProjectMember(project_id=general.id, user_id=user.id, role=role))
    rules.forget_roles()
