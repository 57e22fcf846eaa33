"""`flask demo seed`: a believable team with tasks and incidents in every state, for a demo."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from api.activity.models import Activity, EntityType
from api.auth.passwords import hash_password
from api.db import utcnow
from api.extensions import db
from api.incidents.models import Incident, IncidentResponse, IncidentStatus, Severity, Visibility
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
    """Create an admin, managers and employees (all active), `tasks` tasks and 12 incidents.

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
    _seed_projects(rng, people)
    _seed_incidents(rng, people, now)
    db.session.commit()
    return people


PROJECTS = (("OPS", "Operations"), ("WEB", "Website"))


def _seed_projects(rng: random.Random, people: list[User]) -> None:
    """Projects (issue 14), kept apart from the rest of the seed: General with every account
    (administrators and managers as leads), OPS and WEB each led by a manager with about half
    of the employees as members and one as viewer, two labels each; the seeded tasks are spread
    over the three, numbered per project, their assignee copied into task_assignees."""
    from api.projects.models import Label, Project, ProjectMember, ProjectRole
    from api.projects.numbering import allocate, ensure_general
    from api.tasks.models import TaskAssignee

    db.session.flush()
    general = ensure_general()
    for person in people:
        lead = person.role in (Role.ADMIN, Role.MANAGER)
        role = ProjectRole.LEAD if lead else ProjectRole.MEMBER
        db.session.add(ProjectMember(project_id=general.id, user_id=person.id, role=role))
    managers = [p for p in people if p.role == Role.MANAGER]
    employees = [p for p in people if p.role == Role.EMPLOYEE]
    projects = [general]
    for n, (key, name) in enumerate(PROJECTS):
        project = Project(key=key, name=name, description=f"Demo project {name}.")
        db.session.add(project)
        db.session.flush()
        members = {managers[n % len(managers)].id: ProjectRole.LEAD} if managers else {}
        for person in employees[n::2]:
            members.setdefault(person.id, ProjectRole.MEMBER)
        if employees:
            members.setdefault(employees[(n + 1) % len(employees)].id, ProjectRole.VIEWER)
        for user_id, role in members.items():
            db.session.add(ProjectMember(project_id=project.id, user_id=user_id, role=role))
        for label, color in (("bug", "#d73a49"), ("customer", "#0366d6")):
            db.session.add(Label(project_id=project.id, name=label, color=color))
        projects.append(project)
    db.session.flush()
    roles = {
        (m.project_id, m.user_id): m.role for m in db.session.scalars(sa.select(ProjectMember))
    }
    for task in db.session.scalars(sa.select(Task).order_by(Task.id)):
        project = rng.choice(projects)
        if task.assignee_id and roles.get((project.id, task.assignee_id)) not in (
            ProjectRole.LEAD,
            ProjectRole.MEMBER,
        ):
            project = general
        task.project_id, task.number = project.id, allocate(project.id)
        if task.assignee_id:
            db.session.add(TaskAssignee(task_id=task.id, user_id=task.assignee_id, position=0))


INCIDENT_TITLES = [
    "VPN drops every few minutes",
    "Checkout page returns 500",
    "Badge reader at the side door is dead",
    "Phishing email sent to the sales team",
    "Nightly backup job failed",
    "Shared drive is read-only",
    "Laptop stolen from a car",
    "Payroll export has wrong totals",
]
INCIDENT_REPLIES = [
    "Seeing this too.",
    "Looking into it now.",
    "Rolled back the last change; watching the graphs.",
    "Root cause found, fix going out this afternoon.",
    "Confirmed fixed on my side.",
]


def _seed_incidents(rng: random.Random, people: list[User], now: datetime) -> None:
    """Two incidents in every status x visibility, with responses and a consistent timeline."""
    responders = [p for p in people if p.role != Role.EMPLOYEE]
    for n, (status, visibility) in enumerate(
        (s, v) for s in IncidentStatus for v in Visibility for _ in range(2)
    ):
        reporter = rng.choice(people)
        reported = now - timedelta(days=rng.randint(0, 25), hours=rng.randint(1, 12))
        acknowledged = reported + timedelta(minutes=rng.randint(3, 240))
        resolved = acknowledged + timedelta(hours=rng.randint(1, 72))
        incident = Incident(
            title=INCIDENT_TITLES[n % len(INCIDENT_TITLES)],
            description="Seeded demo incident.",
            severity=rng.choice(list(Severity)),
            status=status,
            visibility=visibility,
            reporter=reporter,
            assignee=None if status == IncidentStatus.REPORTED else rng.choice(responders),
            reported_at=reported,
            acknowledged_at=None if status == IncidentStatus.REPORTED else acknowledged,
            resolved_at=min(resolved, now) if status == IncidentStatus.RESOLVED else None,
        )
        db.session.add(incident)
        db.session.flush()
        moves = [(reported, reporter, "reported", {"status": [None, "reported"]})]
        if incident.acknowledged_at:
            moves.append(
                (
                    acknowledged,
                    incident.assignee,
                    "status_changed",
                    {"status": ["reported", "investigating"]},
                )
            )
        if incident.resolved_at:
            moves.append(
                (
                    incident.resolved_at,
                    incident.assignee,
                    "status_changed",
                    {"status": ["investigating", "resolved"]},
                )
            )
        for i in range(rng.randint(1, 3)):
            author = reporter if i == 0 else rng.choice(responders)
            response = IncidentResponse(
                incident_id=incident.id,
                author=author,
                body=rng.choice(INCIDENT_REPLIES),
                created_at=min(now, reported + timedelta(minutes=rng.randint(1, 600))),
            )
            db.session.add(response)
            db.session.flush()
            moves.append(
                (response.created_at, author, "responded", {"response_id": [None, response.id]})
            )
        # The timeline is read in id order: write it in time order.
        for at, actor, action, changes in sorted(moves, key=lambda move: move[0]):
            db.session.add(
                Activity(
                    actor_id=actor.id if actor else None,
                    entity_type=EntityType.INCIDENT,
                    entity_id=incident.id,
                    action=action,
                    changes=changes,
                    created_at=at,
                )
            )


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
