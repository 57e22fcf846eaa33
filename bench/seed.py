"""The bench database: rebuilt through the migrations, filled through the ORM, deterministically."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from api.db import utcnow
from api.extensions import db
from api.projects.numbering import ensure_general
from api.projects.service import join_general
from api.tasks.models import Priority, Task, TaskAssignee, TaskStatus
from api.users.models import Role, User, UserStatus

# Nobody signs in with a password during the bench (tokens are issued directly), so users get a
# placeholder that no password hash verification accepts; it also keeps seeding free of argon2.
NO_PASSWORD = "!bench-user-without-a-password"

WORDS = [
    "customer",
    "invoice",
    "export",
    "backlog",
    "release",
    "rollout",
    "checklist",
    "vendor",
    "contract",
    "audit",
    "review",
    "migration",
    "schema",
    "index",
    "dashboard",
    "report",
    "quarterly",
    "onboarding",
    "policy",
    "incident",
    "runbook",
    "backup",
    "restore",
    "drill",
    "latency",
    "budget",
    "api",
    "rate",
    "limit",
    "search",
    "ranking",
    "survey",
    "feedback",
    "copy",
    "translation",
    "accessibility",
    "payment",
    "refund",
    "ticket",
    "escalation",
    "rota",
    "handover",
]
VERBS = ("Review", "Draft", "Fix", "Update", "Migrate", "Test", "Document", "Plan", "Audit", "Ship")


def recreate_database(url: str) -> None:
    """Drop and create the database named in `url` (utf8mb4), so every bench starts the same."""
    parsed = sa.make_url(url)
    if not parsed.drivername.startswith("mysql"):
        raise SystemExit("BENCH_DATABASE_URL must be a mysql+pymysql:// URL (MariaDB or MySQL).")
    server = sa.create_engine(parsed.set(database=""), poolclass=sa.pool.NullPool)
    with server.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{parsed.database}`"))
        conn.execute(
            sa.text(
                f"CREATE DATABASE `{parsed.database}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        )
    server.dispose()


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def seed(app: Flask, *, users: int = 40, tasks: int = 400, rng_seed: int = 2) -> dict[str, int]:
    """Fill the (migrated, empty) database: 1 admin, users // 8 managers, the rest employees.

    Tasks spread over the last 90 days in every status and priority, 90 % assigned, deadlines on
    80 %, descriptions of one to eight sentences. Returns {"manager_id", "users", "tasks"}.
    """
    rng = random.Random(rng_seed)  # bench data, not security: a fixed seed repeats it
    now = utcnow()
    with app.app_context():
        people = [User(email="admin@bench.local", username="admin", role=Role.ADMIN)]
        managers = max(1, users // 8)
        for i in range(max(2, users) - 1):
            role = Role.MANAGER if i < managers else Role.EMPLOYEE
            name = f"{role.value}{i:03d}"
            people.append(User(email=f"{name}@bench.local", username=name, role=role))
        for person in people:
            person.password_hash = NO_PASSWORD
            person.requested_role = person.role
            person.status = UserStatus.ACTIVE
            person.approved_at = now
        db.session.add_all(people)
        db.session.flush()
        general = ensure_general()  # everyone in General, as migration 0005 and approval do
        for person in people:
            join_general(person)
        staff = [p for p in people if p.role != Role.EMPLOYEE]
        workers = [p for p in people if p.role != Role.ADMIN]
        statuses = list(TaskStatus)
        for n in range(tasks):
            assignee = rng.choice(workers) if rng.random() < 0.9 else None
            status = statuses[n % len(statuses)]
            created = now - timedelta(minutes=rng.randint(60, 90 * 24 * 60))
            deadline = created + timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 8))
            db.session.add(
                Task(
                    title=f"{rng.choice(VERBS)} {rng.choice(WORDS)} {rng.choice(WORDS)}",
                    description=" ".join(
                        _sentence(rng, rng.randint(6, 16)) for _ in range(rng.randint(1, 8))
                    ),
                    status=status,
                    priority=rng.choice(list(Priority)),
                    deadline=deadline if rng.random() < 0.8 else None,
                    assignee=assignee,
                    assignee_links=[TaskAssignee(user_id=assignee.id, user=assignee)]
                    if assignee
                    else [],
                    project=general,
                    number=n + 1,
                    created_by=rng.choice(staff),
                    created_at=created,
                    updated_at=created + timedelta(minutes=rng.randint(0, 600)),
                    completed_at=created + timedelta(days=rng.randint(0, 10))
                    if status == TaskStatus.COMPLETED
                    else None,
                )
            )
        general.next_number = tasks + 1
        db.session.commit()
        manager_id = next(p.id for p in people if p.role == Role.MANAGER)
        db.session.remove()
    return {"manager_id": manager_id, "users": len(people), "tasks": tasks}


def access_token(app: Flask, user_id: int) -> str:
    """An access token for `user_id`, signed with `app`'s JWT secret (15 minutes by default)."""
    from api.auth.tokens import issue_pair

    with app.app_context():
        user = db.session.get(User, user_id)
        token = issue_pair(user)["access_token"]
        db.session.remove()
    return token
