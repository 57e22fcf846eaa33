"""The summary report (weekly and on request), the cron endpoint and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.notifications.models import EmailKind
from api.reports import jobs as reports
from tests.notifications.conftest import outbox_rows

MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_weekly_report_goes_to_staff_once_per_week(app, make, ses):
    manager, admin = make.user(role="manager"), make.user(role="admin")
    make.user(role="manager", notify_reports=False)
    worker = make.user()
    make.task(assignee=worker, title="Late", deadline=MONDAY - timedelta(days=2))
    first = reports.run_weekly(now=MONDAY)
    again = reports.run_weekly(now=MONDAY + timedelta(hours=3))
    assert (first["recipients"], first["sent"], again["queued"], again["sent"]) == (2, 2, 0, 0)
    for person in (manager, admin):
        [msg] = ses.to(person.email)
        assert msg.subject == "taskdesk summary 2026-02-23 to 2026-03-02"
        assert f'{worker.username}</td><td align="right">1 overdue of 1 open' in msg.body
        assert "MTTA: n/a" in msg.body
    assert ses.to(worker.email) == []
    reports.run_weekly(now=MONDAY + timedelta(days=7))
    assert len(ses.to(manager.email)) == 2


def test_report_on_request_is_202_and_rate_limited(client, auth, ses, make, rate_limits):
    manager, headers = auth.as_role("manager")
    for _ in range(5):
        r = client.post("/api/v1/reports/email", headers=headers)
        assert r.status_code == 202 and r.json["recipient"] == manager.email
    r = client.post("/api/v1/reports/email", headers=headers)
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 3601
    assert len(ses.to(manager.email)) == 5
    _e, e_headers = auth.as_role("employee")
    assert client.post("/api/v1/reports/email", headers=e_headers).status_code == 403
    assert len(outbox_rows(kind=EmailKind.SUMMARY_REPORT)) == 5


def test_cron_endpoint_needs_the_secret(client, make, mail):
    mail(CRON_SECRET="")
    assert (
        client.get("/api/v1/jobs/outbox", headers={"Authorization": "Bearer "}).status_code == 401
    )
    mail(CRON_SECRET="s3cret-value-for-cron")
    assert client.get("/api/v1/jobs/outbox").status_code == 401
    r = client.get("/api/v1/jobs/outbox", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json["code"] == 401
    good = {"Authorization": "Bearer s3cret-value-for-cron"}
    assert client.get("/api/v1/jobs/nope", headers=good).status_code == 404
    user = make.user()
    make.task(assignee=user)
    r = client.get("/api/v1/jobs/reminders", headers=good)
    assert r.status_code == 200 and r.json["job"] == "reminders"
    assert r.json["result"]["users_seen"] == 1
    r = client.get("/api/v1/jobs/outbox", headers=good)
    assert r.status_code == 200 and set(r.json["result"]) >= {"sent", "dead"}


def test_cli_runs_the_jobs_with_a_summary(app, make):
    user = make.user()
    make.task(assignee=user)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "reminders", "--now", "2026-03-02T10:00:00"])
    assert result.exit_code == 0, result.output
    assert "jobs reminders: batches=1, users_seen=1, due=1, queued=1, sent=1" in result.output
    [row] = outbox_rows(kind=EmailKind.DAILY_REMINDER)
    assert row.dedupe_key == f"reminder:{user.id}:2026-03-02" and row.status == "sent"
    result = runner.invoke(args=["jobs", "outbox"])
    assert result.exit_code == 0 and "jobs outbox: claimed=0" in result.output


def test_cli_reminders_is_quiet_and_keeps_a_refused_address_visible(app, make, caplog):
    """Issue 12: no WARNING per skipped user, the summary once; the refused address is an
    outbox row marked skipped. `-v` shows the progress lines."""
    make.task(assignee=make.user())
    make.task(assignee=make.user(email="legacy@taskdesk.local"))
    runner = app.test_cli_runner()
    with caplog.at_level("INFO"):
        result = runner.invoke(args=["jobs", "reminders", "--now", "2026-03-02T10:00:00"])
    assert result.exit_code == 0, result.output
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jobs reminders: ")
    assert "queued=1, sent=1" in lines[0] and lines[0].endswith("skipped=1")
    rows = {r.recipient: r for r in outbox_rows(kind=EmailKind.DAILY_REMINDER)}
    assert rows["legacy@taskdesk.local"].status == "skipped"
    assert "address was refused" in rows["legacy@taskdesk.local"].last_error
    verbose = runner.invoke(args=["jobs", "reminders", "-v", "--now", "2026-03-02T11:00:00"])
    assert verbose.exit_code == 0 and "jobs reminders: running" in verbose.output
