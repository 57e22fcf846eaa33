"""`osls invoke local`: each job function runs its handler with an EventBridge scheduled event."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.deploy.conftest import free_port, invoke_local


def scheduled_event(time: str, rule: str) -> dict:
    """An EventBridge "Scheduled Event" as Lambda receives it (AWS's documented sample)."""
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time,
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{rule}"],
        "detail": {},
    }


def _result(stdout: str) -> dict:
    """The handler's return value: the JSON document osls prints last."""
    match = re.search(r"^\{\s*\n.*^\}", stdout, re.MULTILINE | re.DOTALL)
    assert match, stdout
    return json.loads(match.group(0))


@pytest.mark.parametrize(
    ("function", "time"),
    [
        ("reminders", "2026-11-23T10:00:00Z"),
        ("reports", "2026-11-23T08:00:00Z"),
        ("outbox", "2026-11-23T10:05:00Z"),
        ("escalate", "2026-11-23T10:05:00Z"),
    ],
)
def test_job_function_runs_with_a_scheduled_event(function, time, migrated_database):
    engine = sa.create_engine(migrated_database)
    try:
        with engine.connect() as conn:
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()

    result = invoke_local(
        function, scheduled_event(time, f"taskdesk-dev-{function}"), migrated_database
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    body = _result(result.stdout)
    assert body["job"] == function
    assert isinstance(body["result"], dict)
    assert revision  # the migrate function brought the schema up before any job ran


def test_a_job_failure_fails_the_invocation(offline_database):
    # Lambda must see the error (for the retries and the on-failure destination): a database
    # that does not answer makes the handler raise, and the invocation exit non-zero.
    result = invoke_local(
        "outbox",
        scheduled_event("2026-11-23T10:05:00Z", "taskdesk-dev-outbox"),
        make_url(offline_database).set(port=free_port()).render_as_string(hide_password=False),
    )

    assert result.returncode != 0
    assert "job outbox failed" in result.stdout + result.stderr
