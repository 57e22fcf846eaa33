"""Factories for users and tasks, and `Auth`, which signs in as any role."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from api.auth.passwords import hash_password
from api.auth.tokens import issue_pair
from api.db import utcnow
from api.extensions import db
from api.projects.models import Label, Project, ProjectMember, ProjectRole
from api.projects.numbering import allocate, ensure_general
from api.projects.service import join_general
from api.tasks.models import Priority, Task, TaskAssignee, TaskStatus
from api.users.models import Role, User, UserStatus

PASSWORD = "plausible-secret-9"
_seq = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


class Factory:
    """Create rows directly through the ORM (committed), for arranging a test."""

    def user(
        self,
        role: Role | str = Role.EMPLOYEE,
        status: UserStatus | str = UserStatus.ACTIVE,
        password: str = PASSWORD,
        general: bool = True,
        **fields: Any,
    ) -> User:
        n = next(_seq)
        role = Role(role)
        user = User(
            email=fields.pop("email", f"user{n}@example.com"),
            username=fields.pop("username", f"{role.value}{n}"),
            password_hash=_hash(password),
            role=role,
            requested_role=fields.pop(
                "requested_role", role if role != Role.ADMIN else Role.MANAGER
            ),
            status=UserStatus(status),
            **fields,
        )
        db.session.add(user)
        db.session.flush()
        if general and user.status == UserStatus.ACTIVE:
            join_general(user)  # as migration 0005 and account approval do
        db.session.commit()
        return user

    def project(self, key: str, *, members: dict[User, str] | None = None, **fields: Any) -> Any:
        """A project `key` with `members` ({user: "lead" | "member" | "viewer"})."""
        project = Project(key=key, name=fields.pop("name", f"Project {key}"), **fields)
        db.session.add(project)
        db.session.flush()
        for user, role in (members or {}).items():
            db.session.add(
                ProjectMember(project_id=project.id, user_id=user.id, role=ProjectRole(role))
            )
        db.session.commit()
        return project

    def label(self, project: Any, name: str, color: str = "#6b7280") -> Any:
        label = Label(project_id=project.id, name=name, color=color)
        db.session.add(label)
        db.session.commit()
        return label

    def task(self, *, created_by: User | None = None, **fields: Any) -> Task:
        n = next(_seq)
        fields.setdefault("title", f"Task {n}")
        fields.setdefault("priority", Priority.NORMAL)
        fields.setdefault("status", TaskStatus.PENDING)
        if fields["status"] == TaskStatus.COMPLETED:
            fields.setdefault("completed_at", utcnow())
        assignees = fields.pop("assignees", None)
        labels = fields.pop("labels", None)
        if "project" not in fields and "project_id" not in fields:
            fields["project"] = ensure_general()
        project_id = fields["project"].id if "project" in fields else fields["project_id"]
        fields.setdefault("number", allocate(project_id))
        if assignees is None and fields.get("assignee") is not None:
            assignees = [fields["assignee"]]
        if assignees:
            fields["assignee"] = assignees[0]
        task = Task(created_by=created_by, **fields)
        task.assignee_links = [
            TaskAssignee(user_id=u.id, position=n, user=u) for n, u in enumerate(assignees or [])
        ]
        if labels:
            task.labels = list(labels)
        db.session.add(task)
        db.session.commit()
        return task

    @staticmethod
    def days(n: float) -> Any:
        return utcnow() + timedelta(days=n)


class Auth:
    """Tokens and headers for a user, minted without the sign-in endpoint (fast, no throttle)."""

    def __init__(self, make: Factory) -> None:
        self.make = make

    def tokens(self, user: User) -> dict[str, Any]:
        return issue_pair(user)

    def headers(self, user: User, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens(user)['access_token']}", **extra}

    def as_role(self, role: Role | str) -> tuple[User, dict[str, str]]:
        user = self.make.user(role=role)
        return user, self.headers(user)
