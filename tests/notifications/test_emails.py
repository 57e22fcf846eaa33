"""Every email kind, sent through moto's SES to the right people with the right content."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from api.notifications.models import EmailKind, OutboxStatus
from api.users.models import User
from tests.factories import PASSWORD
from tests.notifications.conftest import outbox_rows


def test_registration_tells_the_registrant_and_every_admin(client, make, ses, db):
    admin1, admin2 = make.user(role="admin"), make.user(role="admin")
    make.user(role="admin", status="disabled")
    r = client.post(
        "/api/v1/auth/register",
        json={"email": "Nia@Example.com", "username": "nia", "password": "a fine passphrase"},
        buffered=False,
    )
    assert r.status_code == 202
    assert ses.messages == []  # delivered once the response has gone out
    r.close()
    assert ses.subjects("nia@example.com") == ["We received your taskdesk registration"]
    for admin in (admin1, admin2):
        [msg] = ses.to(admin.email)
        assert msg.subject == "Registration waiting for approval: nia"
        assert (
            "nia@example.com" in msg.body
            and "http://127.0.0.1:5000/admin/registrations" in msg.body
        )
    assert len(ses.messages) == 3
    rows = outbox_rows()
    assert {r.kind for r in rows} == {
        EmailKind.REGISTRATION_RECEIVED,
        EmailKind.REGISTRATION_WAITING,
    }
    assert all(r.status == OutboxStatus.SENT and r.provider_message_id for r in rows)
    assert all(r.attempts == 1 for r in rows)


def test_approval_and_rejection_are_emailed(client, make, auth, ses):
    _admin, headers = auth.as_role("admin")
    yes, no = make.user(status="pending"), make.user(status="pending")
    assert (
        client.put(
            f"/api/v1/users/{yes.id}/approve", json={"role": "manager"}, headers=headers
        ).status_code
        == 200
    )
    assert client.delete(f"/api/v1/users/{no.id}/reject", headers=headers).status_code == 200
    [approved] = ses.to(yes.email)
    assert approved.subject == "Your taskdesk account is approved"
    assert "<strong>manager</strong>" in approved.body and "/sign-in" in approved.body
    assert ses.subjects(no.email) == ["Your taskdesk registration was not approved"]
    # Account decisions are essential: no preferences link.
    assert "Choose which emails you receive" not in approved.body


def test_sign_in_alert_follows_the_preference(client, make, ses):
    quiet = make.user(notify_sign_in=False)
    loud = make.user(notify_sign_in=True)
    for user in (quiet, loud):
        r = client.post("/api/v1/auth/login", json={"login": user.email, "password": PASSWORD})
        assert r.status_code == 200
    assert ses.to(quiet.email) == []
    [alert] = ses.to(loud.email)
    assert alert.subject == "New sign-in to your taskdesk account"
    assert "http://127.0.0.1:5000/profile#notifications" in alert.body


def test_task_assigned_and_completed_go_to_assignee_and_creator(client, make, auth, ses):
    manager, m_headers = auth.as_role("manager")
    worker = make.user()
    r = client.post(
        "/api/v1/tasks",
        json={"title": "Restore the\r\nbackup", "assignee_id": worker.id},
        headers=m_headers,
    )
    assert r.status_code == 201
    task_id = r.json["id"]
    [assigned] = ses.to(worker.email)
    assert (
        assigned.subject == "Task assigned to you: Restore the backup"
    )  # CR/LF never reach a header
    assert f"http://127.0.0.1:5000/tasks/{task_id}" in assigned.body
    assert manager.username in assigned.body
    r = client.put(
        f"/api/v1/tasks/{task_id}/status",
        json={"status": "completed"},
        headers=auth.headers(worker),
    )
    assert r.status_code == 200
    assert ses.subjects(manager.email) == ["Task completed: Restore the backup"]
    assert len(ses.to(worker.email)) == 1  # the actor is not told about their own action


def test_reassigning_emails_the_new_assignee_each_time(client, make, auth, ses):
    _m, m_headers = auth.as_role("manager")
    a, b = make.user(), make.user()
    task = make.task(title="Rotate keys")
    for who in (a, b, a):
        r = client.put(
            f"/api/v1/tasks/{task.id}/assign", json={"assignee_id": who.id}, headers=m_headers
        )
        assert r.status_code == 200
    assert len(ses.to(a.email)) == 2 and len(ses.to(b.email)) == 1
    assert len({r.dedupe_key for r in outbox_rows(kind=EmailKind.TASK_ASSIGNED)}) == 3


def _reset_token(body: str) -> str:
    return re.search(r"token=([A-Za-z0-9_.\-]+)", body).group(1)


def test_password_reset_is_single_use_and_always_202(client, make, ses, db):
    user = make.user()
    for email in (user.email, "nobody@example.com", "not an address"):
        r = client.post("/api/v1/auth/password-reset", json={"email": email})
        assert r.status_code == 202
        assert r.json == {
            "message": "If the address belongs to an active account, a reset link is on its way."
        }
        r.close()  # the WSGI server closes the response: the email goes out now
    assert [m.destinations["ToAddresses"] for m in ses.messages] == [[user.email]]
    [msg] = ses.to(user.email)
    assert msg.subject == "Reset your taskdesk password"
    assert "30 minutes" in msg.body
    token = _reset_token(msg.body)
    r = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "a brand new passphrase"},
    )
    assert r.status_code == 204
    r = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "another new passphrase"},
    )
    assert r.status_code == 422 and r.json["errors"]["json"]["token"]
    r = client.post(
        "/api/v1/auth/login", json={"login": user.email, "password": "a brand new passphrase"}
    )
    assert r.status_code == 200
    [row] = outbox_rows(kind=EmailKind.PASSWORD_RESET)
    assert row.status == OutboxStatus.SENT and row.recipient == user.email


def test_password_reset_link_expires_after_30_minutes(client, make, ses):
    user = make.user()
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False) as clock:
        r = client.post("/api/v1/auth/password-reset", json={"email": user.email})
        assert r.status_code == 202
        r.close()
        token = _reset_token(ses.to(user.email)[0].body)
        clock.shift(timedelta(minutes=31))
        r = client.post(
            "/api/v1/auth/password-reset/confirm",
            json={"token": token, "new_password": "a brand new passphrase"},
        )
    assert r.status_code == 422
    assert r.json["errors"]["json"]["token"] == ["The reset link is invalid or has expired."]


def test_the_outbox_api_lists_rows_without_bodies(client, make, auth, ses):
    make.user(notify_sign_in=True, email="watch@example.com")
    client.post("/api/v1/auth/login", json={"login": "watch@example.com", "password": PASSWORD})
    _admin, headers = auth.as_role("admin")
    r = client.get("/api/v1/outbox?kind=sign_in_alert", headers=headers)
    assert r.status_code == 200
    [item] = r.json["items"]
    assert item["recipient"] == "watch@example.com" and item["status"] == "sent"
    assert "body_text" not in item and "body_html" not in item
    _m, m_headers = auth.as_role("manager")
    assert client.get("/api/v1/outbox", headers=m_headers).status_code == 403


def test_deleted_user_keeps_outbox_history(make, db, ses, client):
    user = make.user(notify_sign_in=True)
    client.post("/api/v1/auth/login", json={"login": user.email, "password": PASSWORD})
    db.session.delete(db.session.get(User, user.id))
    db.session.commit()
    [row] = outbox_rows()
    assert row.user_id is None and row.recipient == user.email


def test_incident_emails_reach_reporter_staff_and_assignee_never_the_actor(client, make, auth, ses):
    reporter, r_headers = auth.as_role("employee")
    manager, m_headers = auth.as_role("manager")
    admin = make.user(role="admin")
    responder = make.user()
    r = client.post(
        "/api/v1/incidents",
        json={"title": "Checkout is down", "description": "500 on pay", "severity": "high"},
        headers=r_headers,
    )
    assert r.status_code == 201, r.json
    public_id = r.json["public_id"]
    assert ses.subjects(reporter.email) == ["Incident received: Checkout is down"]
    for person in (manager, admin):
        [alert] = ses.to(person.email)
        assert alert.subject == "[high] New incident: Checkout is down"
        assert f"http://127.0.0.1:5000/incidents/{public_id}" in alert.body
    assert ses.to(responder.email) == []

    r = client.patch(
        f"/api/v1/incidents/{public_id}",
        json={"assignee_id": responder.id, "status": "investigating"},
        headers=m_headers,
    )
    assert r.status_code == 200, r.json
    for person in (reporter, responder):
        assert "Incident investigating: Checkout is down" in ses.subjects(person.email)
    assert len(ses.to(manager.email)) == 1  # the actor is not told

    r = client.post(
        f"/api/v1/incidents/{public_id}/responses",
        json={"body": "Rolled back <the> deploy"},
        headers=auth.headers(responder),
    )
    assert r.status_code == 201, r.json
    [response_mail] = [m for m in ses.to(reporter.email) if m.subject.startswith("New response")]
    assert "Rolled back &lt;the&gt; deploy" in response_mail.body  # HTML escaped
    assert not any(s.startswith("New response") for s in ses.subjects(responder.email))


def test_a_reset_email_is_queued_and_sent_after_the_response(client, make, ses, db):
    """The answer waits for no write and no provider: both happen on the response's close()."""
    user = make.user()
    r = client.post("/api/v1/auth/password-reset", json={"email": user.email}, buffered=False)
    assert r.status_code == 202
    assert outbox_rows(kind=EmailKind.PASSWORD_RESET) == [] and ses.messages == []
    r.close()
    db.session.rollback()  # a fresh snapshot: the row was written by another session
    [row] = outbox_rows(kind=EmailKind.PASSWORD_RESET)
    assert row.status == OutboxStatus.SENT and len(ses.to(user.email)) == 1


def test_a_reset_for_an_unknown_address_writes_nothing(client, make, db):
    make.user(email="someone@example.com")
    before = {
        t.name: db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar()
        for t in db.metadata.sorted_tables
    }
    for email in ("nobody@example.com", "someone@example.co"):
        r = client.post("/api/v1/auth/password-reset", json={"email": email})
        assert r.status_code == 202
        r.close()
    db.session.rollback()
    after = {
        t.name: db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar()
        for t in db.metadata.sorted_tables
    }
    assert after == before
