"""Factories for users and tasks, and `Auth`, which signs in as any role."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from api.auth.passwords import hash_password
from api.auth.tokens import issue_pair
from api.db import utcnow
from api.extensions import db
from api.tasks.models import Priority, Task, TaskStatus
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
        db.session.commit()
        return user

    def task(self, *, created_by: User | None = None, **fields: Any) -> Task:
        n = next(_seq)
        fields.setdefault("title", f"Task {n}")
        fields.setdefault("priority", Priority.NORMAL)
        fields.setdefault("status", TaskStatus.PENDING)
        if fields["status"] == TaskStatus.COMPLETED:
            fields.setdefault("completed_at", utcnow())
        task = Task(created_by=created_by, **fields)
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
