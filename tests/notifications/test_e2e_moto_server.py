"""End to end: every email kind through the HTTP API and the jobs, delivered to a moto_server.

The SES client talks HTTP to a `moto_server` process on 127.0.0.1 (SES_ENDPOINT_URL), exactly as
it talks to SES: botocore signs and sends real requests. What the server accepted is read back
from its /moto-api/data.json and compared, recipient by recipient, with the outbox.
"""

from __future__ import annotations

import re
from datetime import timedelta

from api.db import utcnow
from api.notifications import delivery
from api.notifications.models import EmailKind, OutboxStatus
from api.users.models import User
from tests.factories import PASSWORD
from tests.notifications.conftest import _free_port, outbox_rows

BASE = "http://127.0.0.1:5000"  # APP_BASE_URL in tests
CRON = {"Authorization": "Bearer e2e-cron-secret-value"}


def _one(inbox, address: str, subject: str) -> str:
    """The HTML body of the only message to `address` with `subject`."""
    [message] = [m for m in inbox.to(address) if m["subject"] == subject]
    return message["body"]


def test_every_email_kind_reaches_moto_server(client, make, auth, db, mail, ses_server):
    mail(CRON_SECRET=CRON["Authorization"].removeprefix("Bearer "), OUTBOX_BACKOFF_BASE_SECONDS=0)
    admin, a_headers = auth.as_role("admin")
    manager, m_headers = auth.as_role("manager")
    worker, responder = make.user(username="wren"), make.user(username="rory")

    # Registration received (+ every admin told), then approved / rejected.
    for name in ("nia", "omar"):
        r = client.post(
            "/api/v1/auth/register",
            json={"email": f"{name}@example.com", "username": name, "password": PASSWORD},
        )
        assert r.status_code == 202, r.json
        r.close()  # delivery runs once the response is sent
    # Someone registers again with nia's address: the same answer, and nia is told.
    r = client.post(
        "/api/v1/auth/register",
        json={"email": "nia@example.com", "username": "nia2", "password": PASSWORD},
    )
    assert r.status_code == 202, r.json
    r.close()
    nia = db.session.scalar(db.select(User).filter_by(username="nia"))
    omar = db.session.scalar(db.select(User).filter_by(username="omar"))
    r = client.put(f"/api/v1/users/{nia.id}/approve", json={"role": "employee"}, headers=a_headers)
    assert r.status_code == 200, r.json
    assert client.delete(f"/api/v1/users/{omar.id}/reject", headers=a_headers).status_code == 200

    # Sign-in alert, after the user turns the preference on.
    r = client.patch("/api/v1/auth/me", json={"notify_sign_in": True}, headers=auth.headers(nia))
    assert r.status_code == 200 and r.json["notify_sign_in"] is True
    r = client.post("/api/v1/auth/login", json={"login": nia.email, "password": PASSWORD})
    assert r.status_code == 200

    # Task assigned (to the assignee), completed (to the creator).
    r = client.post(
        "/api/v1/tasks",
        json={"title": "Restore the backup", "assignee_id": worker.id},
        headers=m_headers,
    )
    assert r.status_code == 201, r.json
    task_id = r.json["id"]
    r = client.put(
        f"/api/v1/tasks/{task_id}/status",
        json={"status": "completed"},
        headers=auth.headers(worker),
    )
    assert r.status_code == 200, r.json

    # Incident reported (receipt + alerts), status change, response.
    r = client.post(
        "/api/v1/incidents",
        json={"title": "Checkout is down", "description": "500 on pay", "severity": "high"},
        headers=auth.headers(worker),
    )
    assert r.status_code == 201, r.json
    public_id = r.json["public_id"]
    # Nobody acknowledges it for 15 minutes: the escalation job tells the managers.
    later = (utcnow() + timedelta(minutes=15, seconds=5)).strftime("%Y-%m-%dT%H:%M:%S")
    result = client.application.test_cli_runner().invoke(args=["jobs", "escalate", "--now", later])
    assert result.exit_code == 0 and "escalated=1, sent=1" in result.output, result.output
    r = client.patch(
        f"/api/v1/incidents/{public_id}",
        json={"assignee_id": responder.id, "status": "investigating"},
        headers=m_headers,
    )
    assert r.status_code == 200, r.json
    r = client.post(
        f"/api/v1/incidents/{public_id}/responses",
        json={"body": "Rolled back the deploy"},
        headers=auth.headers(responder),
    )
    assert r.status_code == 201, r.json

    # Password reset while SES cannot be reached: the row waits for the outbox job.
    mail(SES_ENDPOINT_URL=f"http://127.0.0.1:{_free_port()}")
    r = client.post("/api/v1/auth/password-reset", json={"email": worker.email})
    assert r.status_code == 202
    r.close()
    [reset_row] = outbox_rows(kind=EmailKind.PASSWORD_RESET)
    assert reset_row.status == OutboxStatus.PENDING and "unreachable" in reset_row.last_error
    mail(SES_ENDPOINT_URL=ses_server.url)
    r = client.get("/api/v1/jobs/outbox", headers=CRON)  # the Vercel Cron entry point
    assert r.status_code == 200 and r.json["result"]["sent"] == 1, r.json

    # Daily reminder (hourly job) and the weekly summary (job), then a report on request.
    # The reminder goes out once local time (UTC for these users) has reached 10:00.
    clock = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=1)
    now = max(clock, clock.replace(hour=10, minute=0))
    make.task(title="Renew the certificate", assignee=worker, deadline=now + timedelta(days=2))
    make.task(title="File the audit", assignee=worker, deadline=now - timedelta(days=1))
    runner = client.application.test_cli_runner()
    at = now.strftime("%Y-%m-%dT%H:%M:%S")
    result = runner.invoke(args=["jobs", "reminders", "--now", at])
    assert result.exit_code == 0 and "queued=1, sent=1" in result.output, result.output
    result = runner.invoke(args=["jobs", "reports", "--now", clock.strftime("%Y-%m-%dT%H:%M:%S")])
    assert result.exit_code == 0 and "recipients=2, queued=2, sent=2" in result.output
    assert client.post("/api/v1/reports/email", headers=m_headers).status_code == 202

    # Every message moto_server accepted, by recipient, against what each person should get.
    day = now.date().isoformat()
    period = f"{(clock - timedelta(days=7)).date().isoformat()} to {clock.date().isoformat()}"
    today = utcnow().date()
    report_now = f"{(today - timedelta(days=7)).isoformat()} to {today.isoformat()}"
    expected = {
        "nia@example.com": [
            "We received your taskdesk registration",
            "Someone tried to register with your address",
            "Your taskdesk account is approved",
            "New sign-in to your taskdesk account",
        ],
        "omar@example.com": [
            "We received your taskdesk registration",
            "Your taskdesk registration was not approved",
        ],
        admin.email: [
            "Registration waiting for approval: nia",
            "Registration waiting for approval: omar",
            "[high] New incident: Checkout is down",
            f"taskdesk summary {period}",
        ],
        manager.email: [
            "Task completed: Restore the backup",
            "[high] New incident: Checkout is down",
            "[high] Unacknowledged for 15 minutes: Checkout is down",
            f"taskdesk summary {period}",
            f"taskdesk summary {report_now}",
        ],
        worker.email: [
            "Task assigned to you: Restore the backup",
            "Incident received: Checkout is down",
            "Incident investigating: Checkout is down",
            "New response on incident: Checkout is down",
            "Reset your taskdesk password",
            f"Your open tasks for {day} (1 overdue)",
        ],
        responder.email: ["Incident investigating: Checkout is down"],
    }
    messages = ses_server.messages
    received: dict[str, list[str]] = {}
    for message in messages:
        assert message["source"] == "taskdesk <no-reply@taskdesk.example>"
        [to] = message["destinations"]["ToAddresses"]  # one recipient per message
        received.setdefault(to, []).append(message["subject"])
    assert {k: sorted(v) for k, v in received.items()} == {
        k: sorted(v) for k, v in expected.items()
    }

    # The outbox agrees: one sent row per message, carrying moto's message id.
    rows = outbox_rows()
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert sorted(r.provider_message_id for r in rows) == sorted(m["id"] for m in messages)
    # Every kind of shared/design.md §6; the task digest (issue 14), held back until its window
    # closes, has its own tests in tests/inbox/test_digest.py, the bulk change's email in
    # tests/tasks/test_bulk.py.
    assert {r.kind for r in rows} == set(EmailKind) - {
        EmailKind.TASK_ACTIVITY,
        EmailKind.TASK_BATCH,
    }

    # Content: links under APP_BASE_URL, preferences links on non-essential mail only.
    approved = _one(ses_server, nia.email, "Your taskdesk account is approved")
    assert "<strong>employee</strong>" in approved and f"{BASE}/sign-in" in approved
    assert "/profile#notifications" not in approved
    waiting = _one(ses_server, admin.email, "Registration waiting for approval: nia")
    assert "nia@example.com" in waiting and f"{BASE}/admin/registrations" in waiting
    alert = _one(ses_server, nia.email, "New sign-in to your taskdesk account")
    assert f"{BASE}/password-reset" in alert and f"{BASE}/profile#notifications" in alert
    assigned = _one(ses_server, worker.email, "Task assigned to you: Restore the backup")
    assert f"{BASE}/tasks/{task_id}" in assigned and manager.username in assigned
    completed = _one(ses_server, manager.email, "Task completed: Restore the backup")
    assert worker.username in completed
    incident_alert = _one(ses_server, admin.email, "[high] New incident: Checkout is down")
    assert f"{BASE}/incidents/{public_id}" in incident_alert and "500 on pay" in incident_alert
    status = _one(ses_server, responder.email, "Incident investigating: Checkout is down")
    assert manager.username in status
    response = _one(ses_server, worker.email, "New response on incident: Checkout is down")
    assert "Rolled back the deploy" in response and responder.username in response
    reminder = _one(ses_server, worker.email, f"Your open tasks for {day} (1 overdue)")
    assert reminder.index("File the audit") < reminder.index("Renew the certificate")
    summary = _one(ses_server, admin.email, f"taskdesk summary {period}")
    assert "1 opened, 0 resolved" in summary and "MTTA:" in summary
    assert "wren</td>" in summary and f"{BASE}/stats" in summary  # overdue by assignee

    # The reset link works once; the outbox kept the record but not the link.
    reset = _one(ses_server, worker.email, "Reset your taskdesk password")
    token = re.search(r"token=([A-Za-z0-9_.\-]+)", reset).group(1)
    r = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "a brand new passphrase"},
    )
    assert r.status_code == 204
    [reset_row] = outbox_rows(kind=EmailKind.PASSWORD_RESET)
    assert reset_row.body_text == reset_row.body_html == delivery.CLEARED_BODY
