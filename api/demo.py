"""`flask demo seed`: a believable team with tasks in every state, for a laptop or a demo."""

from __future__ import annotations

import random
from datetime import timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from api.auth.passwords import hash_password
from api.db import utcnow
from api.extensions import db
from api.tasks.models import Priority, Task, TaskStatus
from api.users.models import Role, User, UserStatus

DEMO_PASSWORD = "taskdesk-demo-2026"
FIRST = [
    "ana",
    "ben",
    "chen",
    "dara",
    "eli",
    "fatima",
    "gus",
    "hana",
    "ivan",
    "jo",
    "kofi",
    "lena",
    "mateo",
    "nia",
    "omar",
    "priya",
    "quinn",
    "rosa",
    "sven",
    "tariq",
    "uma",
    "yuki",
]
VERBS = [
    "Review",
    "Draft",
    "Fix",
    "Update",
    "Migrate",
    "Test",
    "Document",
    "Plan",
    "Audit",
    "Ship",
]
THINGS = [
    "billing export",
    "onboarding checklist",
    "Q3 roadmap",
    "login page copy",
    "backup restore drill",
    "API rate limits",
    "vendor contract",
    "release notes",
    "on-call rota",
    "customer survey",
    "invoice template",
    "search indexing",
]
ZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]

demo_cli = click.Group("demo", help="Demo data.")


def seed(*, users: int = 12, tasks: int = 60, rng_seed: int = 7, progress=None) -> list[User]:
    """Create an admin, managers and employees (all active) and `tasks` tasks.

    Returns the users created; sign in with DEMO_PASSWORD. Idempotent only on an empty database.
    """
    rng = random.Random(rng_seed)  # noqa: S311 - demo data, not security
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: seeding stays fast
    now = utcnow()
    people = [User(email="admin@taskdesk.local", username="admin", role=Role.ADMIN)]
    managers = max(1, users // 5)
    for i in range(max(2, users) - 1):
        name = FIRST[i % len(FIRST)] + ("" if i < len(FIRST) else str(i))
        role = Role.MANAGER if i < managers else Role.EMPLOYEE
        people.append(User(email=f"{name}@taskdesk.local", username=name, role=role))
    for person in people:
        person.password_hash = password_hash
        person.requested_role = person.role
        person.status = UserStatus.ACTIVE
        person.timezone = rng.choice(ZONES)
        person.approved_at = now
    db.session.add_all(people)
    db.session.flush()
    staff = [p for p in people if p.role != Role.EMPLOYEE]
    workers = [p for p in people if p.role != Role.ADMIN]
    statuses = list(TaskStatus)
    for n in range(tasks):
        status = statuses[n % len(statuses)]
        created = now - timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 23))
        deadline = now + timedelta(days=rng.randint(-10, 20), hours=rng.randint(0, 8))
        task = Task(
            title=f"{rng.choice(VERBS)} {rng.choice(THINGS)}",
            description="Seeded demo task. Replace me with real work.",
            status=status,
            priority=rng.choice(list(Priority)),
            deadline=deadline if rng.random() > 0.15 else None,
            assignee=rng.choice(workers) if rng.random() > 0.1 else None,
            created_by=rng.choice(staff),
            created_at=created,
            completed_at=now - timedelta(days=rng.randint(0, 30))
            if status == TaskStatus.COMPLETED
            else None,
        )
        db.session.add(task)
        if progress:
            progress(1)
    db.session.commit()
    return people


@demo_cli.command("seed")
@click.option("--users", default=12, show_default=True, type=click.IntRange(2, 100_000))
@click.option("--tasks", default=60, show_default=True, type=click.IntRange(0, 1_000_000))
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
@with_appcontext
def seed_command(users: int, tasks: int, if_empty: bool) -> None:
    """Load demo users and tasks, and print the sign-ins."""
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        click.echo("Database already has users; demo data not loaded.")
        return
    with click.progressbar(length=tasks, label="Seeding tasks") as bar:
        people = seed(users=users, tasks=tasks, progress=bar.update)
    click.echo(
        f"Loaded {len(people)} users and {tasks} tasks. Sign in with password {DEMO_PASSWORD!r} as:"
    )
    for role in (Role.ADMIN, Role.MANAGER, Role.EMPLOYEE):
        sample = [p.username for p in people if p.role == role][:3]
        click.echo(f"  {role.value:<9} {', '.join(sample)}")
