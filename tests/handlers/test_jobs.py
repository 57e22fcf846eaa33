"""The Lambda job handlers: EventBridge scheduled events and direct invocation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import handlers.jobs as jobs_handler
from api.notifications.models import OutboxEmail

SCHEDULED = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-03-02T10:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/taskdesk-reminders"],
    "detail": {},
}


class Context:
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    function_name = "taskdesk-reminders"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:taskdesk-reminders"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


@pytest.fixture
def lambda_app(app, monkeypatch):
    monkeypatch.setattr(jobs_handler, "_app", app)
    return app


def test_event_time_comes_from_the_schedule_or_the_payload():
    assert jobs_handler.event_time(SCHEDULED) == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert jobs_handler.event_time({"now": "2026-03-02T11:30:00+01:00"}).hour == 11
    assert jobs_handler.event_time({}) is None and jobs_handler.event_time(None) is None


def test_scheduled_reminders_run_at_the_event_time_and_twice_is_harmless(lambda_app, make, db):
    user = make.user()
    make.task(assignee=user)
    first = jobs_handler.reminders(SCHEDULED, Context())
    second = jobs_handler.reminders(SCHEDULED, Context())
    assert first["result"]["queued"] == 1 and first["result"]["sent"] == 1
    assert second["result"]["queued"] == 0
    keys = list(db.session.scalars(db.select(OutboxEmail.dedupe_key)))
    assert keys == [f"reminder:{user.id}:2026-03-02"]


def test_outbox_and_reports_handlers_answer_direct_invocation(lambda_app, make):
    make.user(role="manager")
    assert jobs_handler.reports({"now": "2026-03-02T08:00:00Z"}, Context())["result"]["sent"] == 1
    assert jobs_handler.outbox({}, Context())["result"]["claimed"] == 0


def test_a_failing_job_is_logged_and_re_raised(lambda_app, monkeypatch, caplog):
    from api import jobs as registry

    def boom(**_kwargs):
        raise RuntimeError("database unreachable")

    monkeypatch.setitem(registry.JOBS, "outbox", boom)
    with pytest.raises(RuntimeError):
        jobs_handler.outbox({}, Context())
    assert "job outbox failed" in caplog.text
