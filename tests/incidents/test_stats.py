"""Incident figures in GET /api/v1/stats: open by status and severity, MTTA and MTTR."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.db import utcnow
from api.incidents import queries as service
from tests.incidents import factories

EMPTY = {"median_seconds": None, "mean_seconds": None, "count": 0}


def _make(reporter, now, *, ago, ack=None, resolved=None, status, severity="medium", **kw):
    """An incident reported `ago` before `now`; `ack` / `resolved` are seconds after reporting."""
    reported = now - ago
    return factories.incident(
        reporter=reporter,
        status=status,
        severity=severity,
        reported_at=reported,
        acknowledged_at=None if ack is None else reported + timedelta(seconds=ack),
        resolved_at=None if resolved is None else reported + timedelta(seconds=resolved),
        **kw,
    )


def _world(reporter, now):
    day = timedelta(days=1)
    # Acknowledged and resolved in the window.
    _make(reporter, now, ago=timedelta(hours=10), ack=60, resolved=3600, status="resolved")
    _make(reporter, now, ago=5 * day, ack=300, resolved=7200, status="resolved", severity="high")
    # Acknowledged in the window, never resolved.
    _make(
        reporter,
        now,
        ago=2 * day,
        ack=900,
        status="investigating",
        severity="critical",
        visibility="restricted",
    )
    # Never acknowledged.
    _make(reporter, now, ago=1 * day, status="reported", severity="critical")
    _make(reporter, now, ago=45 * day, status="reported", severity="low")
    # Acknowledged before the window, resolved inside it: counts for MTTR only.
    _make(reporter, now, ago=40 * day, ack=100, resolved=39 * 86_400, status="resolved")
    # Entirely before the window.
    _make(reporter, now, ago=60 * day, ack=10, resolved=20, status="resolved")
    # Reopened: acknowledged in the window, resolved_at cleared.
    _make(reporter, now, ago=3 * day, ack=1500, status="investigating", severity="low")


def test_figures_on_hand_made_timestamps(make):
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    _world(make.user(), now)

    figures = service.stats(now=now)

    assert figures["open_by_status"] == {"reported": 2, "investigating": 2}
    assert figures["open_by_severity"] == {"low": 2, "medium": 0, "high": 0, "critical": 2}
    assert figures["window_days"] == 30
    # MTTA over 60, 300, 900, 1500 seconds.
    assert figures["mtta"] == {"median_seconds": 600.0, "mean_seconds": 690.0, "count": 4}
    # MTTR over 3600, 7200 and 39 days (3,369,600 seconds).
    assert figures["mttr"] == {
        "median_seconds": 7200.0,
        "mean_seconds": 1_126_800.0,
        "count": 3,
    }


def test_the_window_ends_at_now(make):
    """An acknowledgement after `now` (a clock in the past) is not in the window."""
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    _make(make.user(), now, ago=timedelta(minutes=1), ack=120, status="investigating")
    assert service.stats(now=now)["mtta"] == EMPTY
    assert service.stats(now=now + timedelta(minutes=2))["mtta"]["count"] == 1


def test_no_incidents_gives_nulls(make):
    figures = service.stats()
    assert figures["mtta"] == EMPTY and figures["mttr"] == EMPTY
    assert figures["open_by_status"] == {"reported": 0, "investigating": 0}
    assert set(figures["open_by_severity"].values()) == {0}


def test_never_acknowledged_or_resolved_gives_nulls_with_open_counts(make):
    now = utcnow()
    reporter = make.user()
    _make(reporter, now, ago=timedelta(hours=1), status="reported", severity="high")
    figures = service.stats(now=now)
    assert figures["mtta"] == EMPTY and figures["mttr"] == EMPTY
    assert figures["open_by_status"] == {"reported": 1, "investigating": 0}
    assert figures["open_by_severity"]["high"] == 1


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_stats_route(client, auth, make, role):
    _, headers = auth.as_role(role)
    _world(make.user(), utcnow())

    r = client.get("/api/v1/stats", headers=headers)

    assert r.status_code == 200
    incidents = r.json["incidents"]
    assert incidents["open_by_status"] == {"reported": 2, "investigating": 2}
    assert incidents["mtta"] == {"median_seconds": 600.0, "mean_seconds": 690.0, "count": 4}
    assert incidents["mttr"]["count"] == 3
    assert incidents["mttr"]["median_seconds"] == 7200.0
    assert "tasks" in r.json


def test_stats_route_refuses_employees(client, auth):
    _, headers = auth.as_role("employee")
    r = client.get("/api/v1/stats", headers=headers)
    assert r.status_code == 403


def test_stats_follow_the_workflow(client, auth, make):
    """Moves made through the API feed the figures: acknowledged, then resolved."""
    manager, headers = auth.as_role("manager")
    incident = factories.incident(reporter=make.user(), reported_at=utcnow() - timedelta(hours=1))
    url = f"/api/v1/incidents/{incident.public_id}"
    client.patch(url, json={"status": "investigating"}, headers=headers)
    client.patch(url, json={"status": "resolved"}, headers=headers)

    figures = client.get("/api/v1/stats", headers=headers).json["incidents"]

    assert figures["mtta"]["count"] == figures["mttr"]["count"] == 1
    assert 3600 <= figures["mtta"]["median_seconds"] <= figures["mttr"]["median_seconds"]
    assert figures["open_by_status"] == {"reported": 0, "investigating": 0}
