"""Escalation (api/incidents/jobs.py): an incident still unacknowledged after its severity's delay
notifies the managers, then the admins, once per level, however the runs overlap."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from api.activity.models import Activity
from api.extensions import db as _db
from api.incidents import jobs
from api.incidents.models import IncidentEscalation, IncidentStatus
from api.notifications import delivery
from api.notifications.backends import ConsoleBackend
from api.notifications.models import EmailKind, OutboxStatus
from tests.incidents import factories
from tests.notifications.conftest import outbox_rows

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class CountingBackend(ConsoleBackend):
    """Console backend that remembers who it sent to (thread-safe)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def send(self, message):
        with self.lock:
            self.sent.append(message.recipient)
        return super().send(message)

    def max_send_rate(self):
        return None


@pytest.fixture
def staff(make):
    """Two managers, one admin, an employee (never escalated to), a disabled manager."""
    return {
        "managers": [make.user(role="manager"), make.user(role="manager")],
        "admins": [make.user(role="admin")],
        "employee": make.user(role="employee"),
        "disabled": make.user(role="manager", status="disabled"),
    }


def _levels(incident) -> list[int]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            sa.select(IncidentEscalation.level)
            .where(IncidentEscalation.incident_id == incident.id)
            .order_by(IncidentEscalation.level)
        )
    )


def _escalated_rows(incident) -> list[Activity]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            sa.select(Activity)
            .where(Activity.entity_id == incident.id, Activity.action == "escalated")
            .order_by(Activity.id)
        )
    )


def _run(at: datetime, backend=None):
    return jobs.run_escalations(now=at, backend=backend or CountingBackend())


def test_a_critical_incident_escalates_to_managers_then_admins(staff):
    incident = factories.incident(reporter=staff["employee"], severity="critical", reported_at=T0)
    backend = CountingBackend()

    assert _run(T0 + timedelta(minutes=4, seconds=59), backend).escalated == 0
    first = _run(T0 + timedelta(minutes=5), backend)
    assert (first.escalated, first.sending.sent) == (1, 2)
    assert sorted(backend.sent) == sorted(m.email for m in staff["managers"])
    assert _levels(incident) == [1]

    assert _run(T0 + timedelta(minutes=9), backend).escalated == 0  # level 2 at 2 x 5 minutes
    second = _run(T0 + timedelta(minutes=10), backend)
    assert (second.escalated, second.sending.sent) == (1, 1)
    assert backend.sent[-1] == staff["admins"][0].email
    assert _levels(incident) == [1, 2]
    assert _run(T0 + timedelta(hours=5), backend).escalated == 0  # no level after the admins

    rows = outbox_rows(kind=EmailKind.INCIDENT_ESCALATED)
    assert len(rows) == 3 and all(r.status == OutboxStatus.SENT for r in rows)
    assert {r.dedupe_key for r in rows} == {
        *(f"incident-escalation:{incident.id}:1:{m.id}" for m in staff["managers"]),
        f"incident-escalation:{incident.id}:2:{staff['admins'][0].id}",
    }
    assert "Unacknowledged for 5 minutes" in rows[0].subject
    assert f"/incidents/{incident.public_id}/acknowledge?token=" in rows[0].body_text
    timeline = _escalated_rows(incident)
    assert [(a.actor_id, a.changes) for a in timeline] == [
        (None, {"escalation_level": [0, 1], "notified": [None, "managers"]}),
        (None, {"escalation_level": [1, 2], "notified": [None, "admins"]}),
    ]


@pytest.mark.parametrize(("severity", "minutes"), [("critical", 5), ("high", 15), ("medium", 60)])
def test_each_severity_waits_its_own_delay(staff, severity, minutes):
    incident = factories.incident(reporter=staff["employee"], severity=severity, reported_at=T0)

    assert _run(T0 + timedelta(minutes=minutes) - timedelta(seconds=1)).escalated == 0
    assert _run(T0 + timedelta(minutes=minutes)).escalated == 1
    assert _levels(incident) == [1]


def test_low_incidents_never_escalate(staff):
    incident = factories.incident(reporter=staff["employee"], severity="low", reported_at=T0)

    assert _run(T0 + timedelta(days=3)).escalated == 0
    assert _levels(incident) == []


def test_the_delays_are_configurable(app, staff):
    incident = factories.incident(reporter=staff["employee"], severity="low", reported_at=T0)
    saved = app.config["ESCALATE_AFTER_LOW"]
    app.config["ESCALATE_AFTER_LOW"] = 120
    try:
        assert _run(T0 + timedelta(minutes=2)).escalated == 1
    finally:
        app.config["ESCALATE_AFTER_LOW"] = saved
    assert _levels(incident) == [1]


@pytest.mark.parametrize("status", ["investigating", "resolved"])
def test_an_acknowledged_incident_is_not_escalated(staff, status):
    incident = factories.incident(
        reporter=staff["employee"], severity="critical", reported_at=T0, status=status
    )

    assert _run(T0 + timedelta(hours=1)).escalated == 0
    assert _levels(incident) == [] and outbox_rows(kind=EmailKind.INCIDENT_ESCALATED) == []


def test_run_twice_sends_each_level_once(staff):
    incident = factories.incident(reporter=staff["employee"], severity="critical", reported_at=T0)
    backend = CountingBackend()

    for _ in range(2):
        _run(T0 + timedelta(minutes=6), backend)

    assert sorted(backend.sent) == sorted(m.email for m in staff["managers"])
    assert _levels(incident) == [1] and len(_escalated_rows(incident)) == 1


def test_two_concurrent_runs_send_each_level_once(app, staff):
    """Two threads, each with its own app context and database connection, start together."""
    incidents = [
        factories.incident(reporter=staff["employee"], severity="critical", reported_at=T0)
        for _ in range(5)
    ]
    backend = CountingBackend()
    errors: list[BaseException] = []
    results = []

    def race(at: datetime) -> None:
        barrier = threading.Barrier(2)

        def run() -> None:
            with app.app_context():
                try:
                    barrier.wait()
                    results.append(jobs.run_escalations(now=at, backend=backend))
                except BaseException as exc:  # surfaced below
                    errors.append(exc)
                finally:
                    _db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    race(T0 + timedelta(minutes=5))
    race(T0 + timedelta(minutes=10))

    # A row one run queued may be skipped by its claim while the other run's claim holds a lock
    # near it (SKIP LOCKED); the outbox job, every 5 minutes, sends what is left.
    delivery.run_outbox(backend=backend)

    assert errors == []
    assert sum(r.escalated for r in results) == 10  # two levels of five incidents
    people = [*staff["managers"], *staff["admins"]]
    assert Counter(backend.sent) == Counter({p.email: 5 for p in people})
    assert {r.status for r in outbox_rows()} == {OutboxStatus.SENT}
    for incident in incidents:
        assert _levels(incident) == [1, 2]
        assert len(_escalated_rows(incident)) == 2
    assert len(outbox_rows(kind=EmailKind.INCIDENT_ESCALATED)) == 15


def test_a_level_with_nobody_in_it_is_still_recorded(make):
    reporter = make.user(role="employee")
    admin = make.user(role="admin")
    incident = factories.incident(reporter=reporter, severity="critical", reported_at=T0)

    assert _run(T0 + timedelta(minutes=5)).escalated == 1
    assert _run(T0 + timedelta(minutes=10)).escalated == 1

    assert _levels(incident) == [1, 2]
    assert [r.recipient for r in outbox_rows(kind=EmailKind.INCIDENT_ESCALATED)] == [admin.email]


def test_the_job_runs_from_the_cli_with_a_moved_clock(app, staff):
    incident = factories.incident(reporter=staff["employee"], severity="critical", reported_at=T0)

    result = app.test_cli_runner().invoke(
        args=[
            "jobs",
            "escalate",
            "--now",
            (T0 + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S"),
        ]
    )

    assert result.exit_code == 0, result.output
    assert "jobs escalate: looked_at=1, escalated=1, sent=2" in result.output
    assert _levels(incident) == [1]


def test_the_escalation_shows_on_the_incident_page(app, staff):
    from tests.web.conftest import WebClient

    incident = factories.incident(reporter=staff["employee"], severity="critical", reported_at=T0)
    _run(T0 + timedelta(minutes=5))

    page = WebClient(app).sign_in(staff["admins"][0]).get(f"/incidents/{incident.public_id}")

    text = page.get_data(as_text=True)
    assert "<strong>taskdesk</strong> escalated it: nobody had acknowledged it" in text
    assert "managers" in text
    assert IncidentStatus.REPORTED.value in text
