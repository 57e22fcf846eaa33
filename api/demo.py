"""`flask demo seed`: a believable team with tasks and incidents in every state, for a demo."""

from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from api.activity.models import Activity, EntityType
from api.auth.passwords import hash_password, verify_password
from api.cli import verbose_option, verbosity
from api.db import utcnow
from api.demo_content import (
    EMAIL_DOMAIN,
    EXTRA_DESCRIPTION,
    INCIDENTS,
    PEOPLE,
    TASKS,
    THINGS,
    VERBS,
)
from api.extensions import db
from api.incidents.models import Incident, IncidentResponse, IncidentStatus, Severity, Visibility
from api.tasks.models import Priority, Task, TaskStatus
from api.users.models import Role, User, UserStatus

DEMO_PASSWORD = "taskdesk-demo-2026"
ZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]
# A month that looks lived in: most work done, some under way, a backlog (issue 12).
TASK_STATUS_WEIGHTS = {TaskStatus.COMPLETED: 45, TaskStatus.IN_PROGRESS: 20, TaskStatus.PENDING: 35}
PRIORITY_WEIGHTS = {Priority.LOW: 15, Priority.NORMAL: 50, Priority.HIGH: 25, Priority.URGENT: 10}
# Incidents by status: (status, visibility) in seeding order; every pair appears at least once.
INCIDENT_PLAN = [
    *[(IncidentStatus.RESOLVED, Visibility.PUBLIC)] * 6,
    (IncidentStatus.RESOLVED, Visibility.RESTRICTED),
    *[(IncidentStatus.INVESTIGATING, Visibility.PUBLIC)] * 2,
    (IncidentStatus.INVESTIGATING, Visibility.RESTRICTED),
    (IncidentStatus.REPORTED, Visibility.PUBLIC),
    (IncidentStatus.REPORTED, Visibility.RESTRICTED),
]

demo_cli = click.Group("demo", help="Demo data.")


@dataclass
class Demo:
    """What the seeding steps share: the seeded RNG, one clock, the sizes asked for, and the
    people created so far (the admin first)."""

    rng: random.Random
    now: datetime
    users: int
    tasks: int
    progress: Callable[[int], Any] | None = None
    people: list[User] = field(default_factory=list)

    def role(self, *roles: Role) -> list[User]:
        return [p for p in self.people if p.role in roles]


def seed(*, users: int = 12, tasks: int = 60, rng_seed: int = 7, progress=None) -> list[User]:
    """Create an admin, managers and employees (all active, at example.com), `tasks` tasks and
    a dozen incidents with responses, as a small team's last month: distinct titles, real
    descriptions, most work done and some overdue. The same `rng_seed` gives the same data.

    Runs the steps of `STEPS` in order in one transaction. Returns the users created; sign in
    with DEMO_PASSWORD. Meant for an empty database.
    """
    demo = Demo(
        rng=random.Random(rng_seed),  # noqa: S311 - demo data, not security
        now=utcnow(),
        users=users,
        tasks=tasks,
        progress=progress,
    )
    for step in STEPS:
        step(demo)
    db.session.commit()
    return demo.people


def seed_people(demo: Demo) -> None:
    """The admin, then one manager in five, then employees; one password hash for all."""
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: seeding stays fast
    people = [User(email=f"admin@{EMAIL_DOMAIN}", username="admin", role=Role.ADMIN)]
    managers = max(1, demo.users // 5)
    for i in range(max(2, demo.users) - 1):
        name = PEOPLE[i % len(PEOPLE)] + ("" if i < len(PEOPLE) else str(i))
        role = Role.MANAGER if i < managers else Role.EMPLOYEE
        people.append(User(email=f"{name}@{EMAIL_DOMAIN}", username=name, role=role))
    for person in people:
        person.password_hash = password_hash
        person.requested_role = person.role
        person.status = UserStatus.ACTIVE
        person.timezone = demo.rng.choice(ZONES)
        person.approved_at = demo.now - timedelta(days=45)
    db.session.add_all(people)
    db.session.flush()
    demo.people = people


def _task_titles(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """`count` distinct (title, description): the written tasks first, then verb x thing pairs,
    then numbered rounds of those."""
    written = list(TASKS)
    rng.shuffle(written)
    extra = [(f"{v} {t}", EXTRA_DESCRIPTION) for v, t in itertools.product(VERBS, THINGS)]
    rng.shuffle(extra)
    pool = written + extra
    titles = pool[:count]
    for n in range(len(pool), count):
        title, description = pool[n % len(pool)]
        titles.append((f"{title} (round {n // len(pool) + 1})", description))
    return titles


def seed_tasks(demo: Demo) -> None:
    """`demo.tasks` tasks over the last five weeks: statuses and priorities by their weights,
    a few busy people carrying more of the work, some open tasks overdue."""
    rng, now = demo.rng, demo.now
    staff = demo.role(Role.MANAGER, Role.ADMIN)
    workers = demo.role(Role.MANAGER, Role.EMPLOYEE)
    load = [rng.choice((1, 2, 3)) for _ in workers]  # some people are busier than others
    # Statuses by quota (shuffled), not by draw: the mix is the same at every size.
    statuses: list[TaskStatus] = []
    for status, weight in TASK_STATUS_WEIGHTS.items():
        statuses += [status] * round(demo.tasks * weight / 100)
    statuses = (statuses + [TaskStatus.PENDING] * demo.tasks)[: demo.tasks]
    rng.shuffle(statuses)
    priorities, priority_weights = zip(*PRIORITY_WEIGHTS.items(), strict=True)
    batch: list[Task] = []
    for (title, description), status in zip(_task_titles(rng, demo.tasks), statuses, strict=True):
        created = now - timedelta(days=rng.randint(1, 35), hours=rng.randint(0, 9))
        completed = None
        if status == TaskStatus.COMPLETED:
            completed = min(
                now, created + timedelta(days=rng.randint(0, 10), hours=rng.randint(1, 8))
            )
            deadline = completed + timedelta(days=rng.randint(-2, 5))
        elif rng.random() < 0.2:  # open and late
            deadline = now - timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
        else:
            deadline = now + timedelta(days=rng.randint(1, 21), hours=rng.randint(0, 8))
        batch.append(
            Task(
                title=title,
                description=description,
                status=status,
                priority=rng.choices(priorities, priority_weights)[0],
                deadline=None if rng.random() < 0.1 else deadline,
                assignee=None
                if status == TaskStatus.PENDING and rng.random() < 0.25
                else rng.choices(workers, load)[0],
                created_by=rng.choice(staff),
                created_at=created,
                updated_at=completed or created,
                completed_at=completed,
            )
        )
        if len(batch) >= 1000:
            db.session.add_all(batch)
            db.session.flush()
            batch = []
        if demo.progress:
            demo.progress(1)
    db.session.add_all(batch)


def seed_incidents(demo: Demo) -> None:
    """The incidents of INCIDENTS in the statuses of INCIDENT_PLAN, each with its replies and a
    timeline written in time order (reported, acknowledged, responses, resolved)."""
    rng, now = demo.rng, demo.now
    responders = demo.role(Role.MANAGER, Role.ADMIN)
    for (title, description, severity, replies), (status, visibility) in zip(
        INCIDENTS, INCIDENT_PLAN, strict=True
    ):
        reporter = rng.choice(demo.people[1:])
        days = rng.randint(0, 1) if status != IncidentStatus.RESOLVED else rng.randint(2, 28)
        reported = now - timedelta(days=days, hours=rng.randint(1, 8), minutes=rng.randint(0, 59))
        acknowledged = reported + timedelta(minutes=rng.randint(4, 50))
        assignee = None if status == IncidentStatus.REPORTED else rng.choice(responders)
        incident = Incident(
            title=title,
            description=description,
            severity=Severity(severity),
            status=status,
            visibility=visibility,
            reporter=reporter,
            assignee=assignee,
            lead=assignee,  # a manager or an admin took it in hand and runs the response
            reported_at=reported,
            acknowledged_at=None if assignee is None else min(acknowledged, now),
        )
        db.session.add(incident)
        db.session.flush()
        lead_id = assignee.id if assignee else None
        moves = [(reported, reporter, "reported", {"status": [None, "reported"]})]
        if incident.acknowledged_at:
            moves.append(
                (
                    incident.acknowledged_at,
                    assignee,
                    "status_changed",
                    {"status": ["reported", "investigating"]},
                )
            )
            moves.append(
                (incident.acknowledged_at, assignee, "lead_changed", {"lead_id": [None, lead_id]})
            )
        at = reported
        shown = replies if assignee else replies[:1]  # nobody has answered a new report yet
        others = [p for p in demo.people if p is not reporter and p.role == Role.EMPLOYEE]
        for i, body in enumerate(shown):
            at = min(now, at + timedelta(minutes=rng.randint(5, 90)))
            if assignee is None:
                author = rng.choice(others or [reporter])
            else:
                author = assignee if i else (rng.choice(others) if others else reporter)
            response = IncidentResponse(
                incident_id=incident.id, author=author, body=body, created_at=at
            )
            db.session.add(response)
            db.session.flush()
            moves.append((at, author, "responded", {"response_id": [None, response.id]}))
        if status == IncidentStatus.RESOLVED:
            incident.resolved_at = min(now, at + timedelta(minutes=rng.randint(10, 240)))
            moves.append(
                (
                    incident.resolved_at,
                    assignee,
                    "status_changed",
                    {"status": ["investigating", "resolved"]},
                )
            )
        incident.updated_at = max(move[0] for move in moves)
        # The timeline is read in id order: write it in time order.
        for moment, actor, action, changes in sorted(moves, key=lambda move: move[0]):
            db.session.add(
                Activity(
                    actor_id=actor.id if actor else None,
                    entity_type=EntityType.INCIDENT,
                    entity_id=incident.id,
                    action=action,
                    changes=changes,
                    created_at=moment,
                )
            )


def demo_accounts() -> list[User]:
    """The active accounts whose password is still DEMO_PASSWORD, by id. The seed gives them
    all one hash, so one verification per distinct hash (at most 3) is enough."""
    hashes = db.session.scalars(
        sa.select(User.password_hash)
        .where(User.status == UserStatus.ACTIVE, User.password_hash.is_not(None))
        .group_by(User.password_hash)
        .order_by(sa.func.count().desc())
        .limit(3)
    ).all()
    demo = [h for h in hashes if verify_password(h, DEMO_PASSWORD)]
    if not demo:
        return []
    stmt = sa.select(User).where(User.password_hash.in_(demo), User.status == UserStatus.ACTIVE)
    return list(db.session.scalars(stmt.order_by(User.id)))


# The seeding steps, in order; a new domain adds its own (people come first).
PROJECTS = (("OPS", "Operations"), ("WEB", "Website"))


def seed_projects(demo: Demo) -> None:
    """Projects (issue 14), one step of its own: General with every account (administrators
    and managers as leads), OPS and WEB each led by a manager with about half of the employees
    as members and one as viewer, two labels each; the seeded tasks are spread over the three,
    numbered per project, their assignee copied into task_assignees. Draws from an RNG of its
    own, so the other steps' data stay as they were."""
    import sqlalchemy as sa

    from api.projects.models import Label, Project, ProjectMember, ProjectRole
    from api.projects.numbering import allocate, ensure_general
    from api.tasks.models import TaskAssignee

    rng = random.Random(f"projects:{demo.users}:{demo.tasks}")  # noqa: S311 - demo data
    db.session.flush()
    general = ensure_general()
    for person in demo.people:
        lead = person.role in (Role.ADMIN, Role.MANAGER)
        role = ProjectRole.LEAD if lead else ProjectRole.MEMBER
        db.session.add(ProjectMember(project_id=general.id, user_id=person.id, role=role))
    managers, employees = demo.role(Role.MANAGER), demo.role(Role.EMPLOYEE)
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
    working = (ProjectRole.LEAD, ProjectRole.MEMBER)
    for task in db.session.scalars(sa.select(Task).order_by(Task.id)):
        project = rng.choice(projects)
        if task.assignee_id and roles.get((project.id, task.assignee_id)) not in working:
            project = general
        task.project_id, task.number = project.id, allocate(project.id)
        if task.assignee_id:
            db.session.add(TaskAssignee(task_id=task.id, user_id=task.assignee_id, position=0))


def seed_views(demo: Demo) -> None:
    """Saved views (api/saved_views/demo.py)."""
    from api.saved_views.demo import seed_views as seed

    seed(demo.role(Role.MANAGER))


STEPS: list[Callable[[Demo], None]] = [
    seed_people,
    seed_tasks,
    seed_incidents,
    seed_projects,
    seed_views,
]


def sign_in_lines(people: list[User], *, limit: int = 40) -> list[str]:
    """One line per role naming every account created (at most `limit` names in all, then a
    count): what `flask demo seed` and so `make run` print."""
    lines, shown = [], 0
    for role in (Role.ADMIN, Role.MANAGER, Role.EMPLOYEE):
        names = [p.username for p in people if p.role == role]
        if not names:
            continue
        room = max(1, limit - shown)
        more = f" and {len(names) - room} more" if len(names) > room else ""
        label = role.value + ("s" if len(names) > 1 else "")
        lines.append(f"  {label:<10} {', '.join(names[:room])}{more}")
        shown += min(len(names), room)
    return lines


@demo_cli.command("seed")
@click.option(
    "--users", default=12, show_default=True, type=click.IntRange(2, 100_000), help="Accounts."
)
@click.option(
    "--tasks", default=60, show_default=True, type=click.IntRange(0, 1_000_000), help="Tasks."
)
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
@verbose_option
@with_appcontext
def seed_command(users: int, tasks: int, if_empty: bool) -> None:
    """Load demo users and tasks, and print the sign-ins."""
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        kept = demo_accounts()
        click.echo("Database already has users; demo data not loaded.")
        if kept:
            click.echo(f"Demo sign-ins still using the password {DEMO_PASSWORD}:")
            for line in sign_in_lines(kept):
                click.echo(line)
        return
    if verbosity():
        with click.progressbar(length=tasks, label="Seeding tasks", file=sys.stderr) as bar:
            people = seed(users=users, tasks=tasks, progress=bar.update)
    else:
        people = seed(users=users, tasks=tasks)
    click.echo(
        f"Loaded {len(people)} people, {tasks} tasks and {len(INCIDENTS)} incidents. "
        f"Sign in at /sign-in with the password {DEMO_PASSWORD} as:"
    )
    for line in sign_in_lines(people):
        click.echo(line)
