"""The main journey over HTTP: register, approval, sign-in, task work."""

import sqlalchemy as sa

from api.users.models import User, UserStatus
from tests.factories import PASSWORD


def test_register_approve_sign_in_and_complete_a_task(client, make, auth, db):
    admin, admin_h = auth.as_role("admin")
    manager, manager_h = auth.as_role("manager")

    r = client.post(
        "/api/v1/auth/register",
        json={
            "email": "New.Person@Example.com",
            "username": "newperson",
            "password": "a fine passphrase",
        },
    )
    assert r.status_code == 202, r.json
    registered = db.session.scalars(
        sa.select(User).where(User.email == "new.person@example.com")
    ).one()
    assert registered.status == UserStatus.PENDING
    user_id = registered.id

    r = client.post(
        "/api/v1/auth/login", json={"login": "newperson", "password": "a fine passphrase"}
    )
    assert r.status_code == 403
    assert "awaiting approval" in r.json["message"]

    r = client.put(f"/api/v1/users/{user_id}/approve", json={"role": "employee"}, headers=admin_h)
    assert r.status_code == 200 and r.json["status"] == "active"
    assert db.session.get(User, user_id).status == UserStatus.ACTIVE

    r = client.post(
        "/api/v1/auth/login",
        json={"login": "new.person@example.com", "password": "a fine passphrase"},
    )
    assert r.status_code == 200
    emp_h = {"Authorization": f"Bearer {r.json['access_token']}"}

    r = client.post(
        "/api/v1/tasks", json={"title": "Ship it", "assignee_id": user_id}, headers=manager_h
    )
    assert r.status_code == 201
    task_id = r.json["id"]

    r = client.get("/api/v1/tasks/mine", headers=emp_h)
    assert [t["id"] for t in r.json["items"]] == [task_id]

    r = client.put(f"/api/v1/tasks/{task_id}/status", json={"status": "completed"}, headers=emp_h)
    assert r.status_code == 200 and r.json["completed_at"]
    r = client.get(f"/api/v1/tasks/{task_id}/activity", headers=emp_h)
    assert [a["action"] for a in r.json] == ["created", "status_changed"]
    assert r.json[1]["actor"]["username"] == "newperson"
    assert PASSWORD  # factories share one password
