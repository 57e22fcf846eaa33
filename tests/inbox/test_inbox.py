"""The inbox: who is notified of what, reading and marking, preferences, the digest email."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from api.db import utcnow
from api.inbox.models import Notification, NotificationPreference
from api.notifications.models import EmailKind, OutboxEmail, OutboxStatus
from tests.incidents import factories


def kinds(db, user_id: int) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Notification.kind)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id)
        )
    )


def test_assignment_and_status_changes_reach_the_people_involved_not_the_actor(
    client, db, make, auth
):
    manager, manager_h = auth.as_role("manager")
    employee, employee_h = auth.as_role("employee")
    created = client.post(
        "/api/v1/tasks", json={"title": "Ship", "assignee_id": employee.id}, headers=manager_h
    ).get_json()

    assert kinds(db, employee.id) == ["assigned"]
    assert kinds(db, manager.id) == []
    moved = client.put(
        f"/api/v1/tasks/{created['id']}/status", json={"status": "completed"}, headers=employee_h
    )
    assert moved.status_code == 200
    assert kinds(db, manager.id) == ["status_changed"]  # the creator watches
    assert kinds(db, employee.id) == ["assigned"]  # not told of their own move


def test_an_unwatched_task_tells_nothing(client, db, make, auth):
    manager, manager_h = auth.as_role("manager")
    employee, employee_h = auth.as_role("employee")
    task = make.task(assignee=employee, created_by=manager)
    client.put(f"/api/v1/tasks/{task.id}/watchers/me", headers=manager_h)
    assert client.delete(f"/api/v1/tasks/{task.id}/watchers/me", headers=manager_h).get_json() == {
        "watching": False
    }
    client.put(
        f"/api/v1/tasks/{task.id}/status", json={"status": "in_progress"}, headers=employee_h
    )
    assert kinds(db, manager.id) == []


def test_incident_events_reach_those_the_emails_go_to(client, db, make, auth):
    admin, _ = auth.as_role("admin")
    employee, employee_h = auth.as_role("employee")
    reported = client.post("/api/v1/incidents", json={"title": "Down"}, headers=employee_h)
    assert reported.status_code == 201
    assert kinds(db, admin.id) == ["incident_reported"]
    assert kinds(db, employee.id) == []


def test_reading_listing_and_marking(client, db, make, auth):
    manager, manager_h = auth.as_role("manager")
    employee, employee_h = auth.as_role("employee")
    other, other_h = auth.as_role("employee")
    for title in ("One", "Two", "Three"):
        client.post(
            "/api/v1/tasks", json={"title": title, "assignee_id": employee.id}, headers=manager_h
        )
    client.post(
        "/api/v1/tasks", json={"title": "Theirs", "assignee_id": other.id}, headers=manager_h
    )

    listed = client.get("/api/v1/notifications", headers=employee_h).get_json()
    assert [n["title"] for n in listed["items"]] == ["Three", "Two", "One"]
    assert listed["items"][0]["path"].startswith("/tasks/")
    assert listed["items"][0]["actor"]["id"] == manager.id
    count = client.get("/api/v1/notifications/unread-count", headers=employee_h).get_json()
    assert count == {"unread": 3}
    theirs = client.get("/api/v1/notifications", headers=other_h).get_json()["items"][0]["id"]

    first = listed["items"][2]["id"]
    marked = client.post(
        "/api/v1/notifications/read", json={"ids": [first, theirs]}, headers=employee_h
    )
    assert marked.get_json() == {"unread": 2}
    unread = client.get("/api/v1/notifications?unread=true", headers=employee_h).get_json()
    assert [n["title"] for n in unread["items"]] == ["Three", "Two"]
    assert client.get("/api/v1/notifications/unread-count", headers=other_h).get_json() == {
        "unread": 1
    }
    done = client.post("/api/v1/notifications/read", json={"all": True}, headers=employee_h)
    assert done.get_json() == {"unread": 0}
    paged = client.get("/api/v1/notifications?page=2&page_size=2", headers=employee_h).get_json()
    assert paged["total"] == 3 and len(paged["items"]) == 1


def test_bad_read_commands_are_422_and_mark_nothing(client, db, make, auth):
    manager, manager_h = auth.as_role("manager")
    employee, employee_h = auth.as_role("employee")
    client.post("/api/v1/tasks", json={"title": "A", "assignee_id": employee.id}, headers=manager_h)
    for body in ({}, {"ids": []}, {"ids": ["1"]}, {"ids": [1], "all": True}, {"all": "yes"}):
        response = client.post("/api/v1/notifications/read", json=body, headers=employee_h)
        assert response.status_code == 422, body
        errors = response.get_json()["errors"]["json"]
        assert set(errors) & {"ids", "all"}, errors
    assert client.get("/api/v1/notifications/unread-count", headers=employee_h).get_json() == {
        "unread": 1
    }


def test_preferences_default_as_the_emails_and_off_writes_nothing(client, db, make, auth):
    manager, manager_h = auth.as_role("manager")
    employee, employee_h = auth.as_role("employee")
    prefs = client.get("/api/v1/notifications/preferences", headers=employee_h).get_json()
    assert prefs["assigned"] == "both" and prefs["mentioned"] == "in_app"
    assert prefs["incident_reported"] == "both" and prefs["commented"] == "in_app"

    bad = client.patch(
        "/api/v1/notifications/preferences", json={"assigned": "loud"}, headers=employee_h
    )
    assert bad.status_code == 422 and "assigned" in bad.get_json()["errors"]["json"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationPreference)) == 0

    changed = client.patch(
        "/api/v1/notifications/preferences", json={"assigned": "off"}, headers=employee_h
    )
    assert changed.get_json()["assigned"] == "off"
    client.post(
        "/api/v1/tasks", json={"title": "Quiet", "assignee_id": employee.id}, headers=manager_h
    )
    assert kinds(db, employee.id) == []
    assert not db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.TASK_ASSIGNED)
    ).all()


def test_events_on_one_task_within_the_window_become_one_digest_email(client, db, make, auth, app):
    manager, manager_h = auth.as_role("manager")
    employee, employee_h = auth.as_role("employee")
    task = make.task(assignee=employee, created_by=manager, title="Boiler")
    client.patch(
        "/api/v1/notifications/preferences",
        json={"mentioned": "both", "commented": "email", "status_changed": "both"},
        headers=manager_h,
    )
    client.post(
        f"/api/v1/tasks/{task.id}/comments",
        json={"body": f"@{manager.username} look"},
        headers=employee_h,
    )
    client.post(f"/api/v1/tasks/{task.id}/comments", json={"body": "more"}, headers=employee_h)
    client.put(
        f"/api/v1/tasks/{task.id}/status", json={"status": "in_progress"}, headers=employee_h
    )

    db.session.expire_all()
    [email] = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.TASK_ACTIVITY)
    ).all()
    assert email.user_id == manager.id and email.status == OutboxStatus.PENDING
    assert email.subject == "3 updates on “Boiler”"
    assert "mentioned you" in email.body_text and "commented" in email.body_text
    assert "changed the status" in email.body_text
    seconds = app.config["NOTIFY_DIGEST_SECONDS"]
    assert utcnow() < email.next_attempt_at <= utcnow() + timedelta(seconds=seconds)
    # "commented" is email only: the inbox holds the mention and the status change.
    assert client.get("/api/v1/notifications/unread-count", headers=manager_h).get_json() == {
        "unread": 2
    }

    from api.notifications.delivery import claim

    assert claim(keys=[email.dedupe_key]) == []  # not due before the window closes
    due = claim(keys=[email.dedupe_key], now=email.next_attempt_at)
    assert [row.id for row in due] == [email.id]


def test_a_response_notifies_the_reporter_in_the_app(client, db, make, auth):
    reporter, _ = auth.as_role("employee")
    manager, manager_h = auth.as_role("manager")
    incident = factories.incident(reporter=reporter)
    answered = client.post(
        f"/api/v1/incidents/{incident.public_id}/responses",
        json={"body": "On it, **now**"},
        headers=manager_h,
    )
    assert answered.status_code == 201
    assert "<strong>now</strong>" in answered.get_json()["body_html"]
    assert kinds(db, reporter.id) == ["incident_responded"]
