"""`flask demo seed` (issue 12): a believable month, deterministic, with deliverable addresses
and every sign-in printed once."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from api.demo import DEMO_PASSWORD, seed
from api.extensions import db
from api.incidents.models import Incident, IncidentResponse
from api.notifications.service import check_recipient
from api.tasks.models import Task, TaskStatus
from api.users.models import User


def _snapshot() -> list[tuple]:
    tasks = db.session.execute(
        sa.select(Task.title, Task.status, Task.priority, User.username)
        .outerjoin(User, User.id == Task.assignee_id)
        .order_by(Task.id)
    ).all()
    incidents = db.session.execute(
        sa.select(Incident.title, Incident.status, Incident.severity).order_by(Incident.id)
    ).all()
    return [tuple(row) for row in [*tasks, *incidents]]


def test_the_demo_reads_like_a_team_month(app):
    people = seed()
    tasks = list(db.session.scalars(sa.select(Task)))
    titles = [t.title for t in tasks]
    assert len(titles) == 60 and len(set(titles)) == 60
    assert not any("Seeded demo" in t.description or "Replace me" in t.description for t in tasks)
    assert len({t.description for t in tasks}) >= 30
    statuses = Counter(t.status for t in tasks)
    assert set(statuses) == set(TaskStatus)
    assert len(set(statuses.values())) == 3  # skewed, not 20/20/20
    assert statuses[TaskStatus.COMPLETED] == max(statuses.values())
    incidents = list(db.session.scalars(sa.select(Incident)))
    assert len({i.title for i in incidents}) == len(incidents) == 12
    replies = Counter(db.session.scalars(sa.select(IncidentResponse.incident_id)))
    assert all(replies[i.id] >= 1 for i in incidents)
    assert sum(replies.values()) >= 1.5 * len(incidents)
    for person in people:  # every seeded address can be emailed (RFC 2606 example.com)
        assert check_recipient(person.email) == person.email


def test_the_demo_is_deterministic(app):
    seed()
    first = _snapshot()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    seed()
    assert _snapshot() == first


def test_seed_command_prints_every_sign_in_once(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    usernames = db.session.scalars(sa.select(User.username)).all()
    assert len(usernames) == 12
    for name in usernames:
        assert result.output.count(f" {name},") + result.output.count(f" {name}\n") == 1, name
    assert result.output.count(DEMO_PASSWORD) == 1
    assert "Seeding tasks" not in result.output  # quiet by default


def test_a_second_seed_if_empty_prints_the_demo_sign_ins_again(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed", "--if-empty"])
    again = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert again.exit_code == 0
    assert "demo data not loaded" in again.output
    assert first.output.splitlines()[1:] == again.output.splitlines()[2:]
