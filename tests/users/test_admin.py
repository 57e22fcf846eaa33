"""Admin user management: approvals, role and status changes, deletion, and the lists."""

from __future__ import annotations

import pytest

from api.activity.models import Activity
from api.tasks.models import Task
from api.users.models import Role, User, UserStatus
from tests.factories import PASSWORD


def reread(db, user_id: int) -> User | None:
    db.session.expire_all()
    return db.session.get(User, user_id)


def activity_of(db, user_id: int) -> list[Activity]:
    return (
        db.session.query(Activity)
        .filter(Activity.entity_type == "user", Activity.entity_id == user_id)
        .order_by(Activity.id)
        .all()
    )


@pytest.fixture
def admin(auth):
    return auth.as_role("admin")


@pytest.mark.parametrize("body", [None, {}, {"role": None}])
def test_approve_needs_an_explicit_role(client, make, admin, db, body):
    """No body, or a body without a role, grants nothing (not even the requested role)."""
    _admin, admin_h = admin
    pending = make.user(role="manager", requested_role=Role.MANAGER, status="pending")
    response = client.put(f"/api/v1/users/{pending.id}/approve", json=body, headers=admin_h)
    assert response.status_code == (400 if body is None else 422), response.get_json()
    if body is not None:
        assert "role" in response.get_json()["errors"]["json"]
    assert reread(db, pending.id).status == UserStatus.PENDING
    assert activity_of(db, pending.id) == []


def test_approve_with_the_requested_role(client, make, admin, db):
    admin_user, admin_h = admin
    pending = make.user(role="manager", requested_role=Role.MANAGER, status="pending")
    response = client.put(
        f"/api/v1/users/{pending.id}/approve", json={"role": "manager"}, headers=admin_h
    )
    assert response.status_code == 200
    data = response.get_json()
    assert (data["status"], data["role"]) == ("active", "manager")
    assert data["approved_by_id"] == admin_user.id and data["approved_at"]

    stored = reread(db, pending.id)
    assert (stored.status, stored.role) == (UserStatus.ACTIVE, Role.MANAGER)
    [row] = activity_of(db, pending.id)
    assert row.action == "approved" and row.actor_id == admin_user.id
    assert row.changes == {"status": ["pending", "active"]}

    login = client.post("/api/v1/auth/login", json={"login": stored.email, "password": PASSWORD})
    assert login.status_code == 200


def test_approve_with_another_role(client, make, admin, db):
    _admin, admin_h = admin
    pending = make.user(role="manager", requested_role=Role.MANAGER, status="pending")
    response = client.put(
        f"/api/v1/users/{pending.id}/approve", json={"role": "employee"}, headers=admin_h
    )
    assert response.status_code == 200 and response.get_json()["role"] == "employee"
    assert reread(db, pending.id).role == Role.EMPLOYEE
    [row] = activity_of(db, pending.id)
    assert row.changes == {"status": ["pending", "active"], "role": ["manager", "employee"]}


@pytest.mark.parametrize("status", ["active", "rejected", "disabled"])
def test_only_pending_accounts_are_decided(client, make, admin, db, status):
    _admin, admin_h = admin
    user = make.user(status=status)
    approve = client.put(
        f"/api/v1/users/{user.id}/approve", json={"role": "employee"}, headers=admin_h
    )
    reject = client.delete(f"/api/v1/users/{user.id}/reject", headers=admin_h)
    assert approve.status_code == reject.status_code == 409
    assert reread(db, user.id).status == UserStatus(status)
    assert activity_of(db, user.id) == []


def test_approve_refuses_an_unknown_role(client, make, admin, db):
    _admin, admin_h = admin
    pending = make.user(status="pending")
    response = client.put(
        f"/api/v1/users/{pending.id}/approve", json={"role": "owner"}, headers=admin_h
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["role"]
    assert reread(db, pending.id).status == UserStatus.PENDING


def test_reject(client, make, admin, db):
    admin_user, admin_h = admin
    pending = make.user(status="pending")
    response = client.delete(f"/api/v1/users/{pending.id}/reject", headers=admin_h)
    assert response.status_code == 200 and response.get_json()["status"] == "rejected"
    assert reread(db, pending.id).status == UserStatus.REJECTED
    [row] = activity_of(db, pending.id)
    assert (row.action, row.actor_id) == ("rejected", admin_user.id)
    assert row.changes == {"status": ["pending", "rejected"]}

    login = client.post("/api/v1/auth/login", json={"login": pending.email, "password": PASSWORD})
    assert login.status_code == 403
    assert login.get_json()["message"] == "Your registration was not approved."


def test_role_change(client, make, admin, db):
    admin_user, admin_h = admin
    user = make.user(role="employee")
    response = client.patch(f"/api/v1/users/{user.id}", json={"role": "manager"}, headers=admin_h)
    assert response.status_code == 200 and response.get_json()["role"] == "manager"
    stored = reread(db, user.id)
    assert stored.role == Role.MANAGER
    assert stored.tokens_valid_after is not None
    [row] = activity_of(db, user.id)
    assert (row.action, row.actor_id) == ("updated", admin_user.id)
    assert row.changes == {"role": ["employee", "manager"]}


def test_disable_and_enable(client, make, admin, db):
    _admin, admin_h = admin
    user = make.user()
    path = f"/api/v1/users/{user.id}"
    assert client.patch(path, json={"status": "disabled"}, headers=admin_h).status_code == 200
    assert reread(db, user.id).status == UserStatus.DISABLED
    login = client.post("/api/v1/auth/login", json={"login": user.email, "password": PASSWORD})
    assert login.status_code == 403
    assert login.get_json()["message"] == "Your account has been disabled."

    assert client.patch(path, json={"status": "active"}, headers=admin_h).status_code == 200
    assert reread(db, user.id).status == UserStatus.ACTIVE
    changes = [row.changes for row in activity_of(db, user.id)]
    assert changes == [{"status": ["active", "disabled"]}, {"status": ["disabled", "active"]}]


def test_no_change_writes_nothing(client, make, admin, db):
    _admin, admin_h = admin
    user = make.user(role="employee")
    response = client.patch(f"/api/v1/users/{user.id}", json={"role": "employee"}, headers=admin_h)
    assert response.status_code == 200
    assert activity_of(db, user.id) == []
    assert reread(db, user.id).tokens_valid_after is None


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_status_patch_refuses_unsettable_statuses(client, make, admin, db, status):
    _admin, admin_h = admin
    user = make.user()
    response = client.patch(f"/api/v1/users/{user.id}", json={"status": status}, headers=admin_h)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["status"]
    assert reread(db, user.id).status == UserStatus.ACTIVE


def test_pending_account_is_decided_by_approve_not_patch(client, make, admin, db):
    _admin, admin_h = admin
    user = make.user(status="pending")
    response = client.patch(f"/api/v1/users/{user.id}", json={"status": "active"}, headers=admin_h)
    assert response.status_code == 409
    assert reread(db, user.id).status == UserStatus.PENDING


def test_admin_cannot_change_or_delete_themself(client, admin, db):
    admin_user, admin_h = admin
    path = f"/api/v1/users/{admin_user.id}"
    assert client.patch(path, json={"role": "employee"}, headers=admin_h).status_code == 409
    assert client.patch(path, json={"status": "disabled"}, headers=admin_h).status_code == 409
    assert client.delete(path, headers=admin_h).status_code == 409
    stored = reread(db, admin_user.id)
    assert (stored.role, stored.status) == (Role.ADMIN, UserStatus.ACTIVE)


@pytest.mark.parametrize(
    "change", [{"email": "x@example.com"}, {"password_hash": "x"}, {"username": "renamed"}]
)
def test_user_patch_refuses_other_fields(client, make, admin, db, change):
    _admin, admin_h = admin
    user = make.user()
    response = client.patch(f"/api/v1/users/{user.id}", json=change, headers=admin_h)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == list(change)
    stored = reread(db, user.id)
    assert (stored.email, stored.username) == (user.email, user.username)


def test_delete_keeps_the_tasks(client, make, admin, db):
    admin_user, admin_h = admin
    manager = make.user(role="manager")
    employee = make.user()
    assigned = make.task(assignee=employee, created_by=manager)
    created = make.task(created_by=employee)

    response = client.delete(f"/api/v1/users/{employee.id}", headers=admin_h)
    assert response.status_code == 204
    assert reread(db, employee.id) is None
    assert db.session.get(Task, assigned.id).assignee_id is None
    assert db.session.get(Task, assigned.id).created_by_id == manager.id
    assert db.session.get(Task, created.id).created_by_id is None
    [row] = activity_of(db, employee.id)
    assert (row.action, row.actor_id) == ("deleted", admin_user.id)
    assert row.changes == {"username": [employee.username, None]}


def test_delete_missing_user(client, admin, db):
    _admin, admin_h = admin
    response = client.delete("/api/v1/users/424242", headers=admin_h)
    assert response.status_code == 404
    assert response.get_json() == {"code": 404, "status": "Not Found", "message": "User not found."}


def test_admin_list_shows_every_account_and_field(client, make, admin):
    admin_user, admin_h = admin
    pending = make.user(status="pending", username="zz_pending")
    disabled = make.user(status="disabled", username="zz_disabled")
    response = client.get("/api/v1/users?page_size=100", headers=admin_h)
    assert response.status_code == 200
    data = response.get_json()
    ids = {item["id"] for item in data["items"]}
    assert ids == {admin_user.id, pending.id, disabled.id}
    assert data["total"] == 3 and data["pages"] == 1
    item = next(i for i in data["items"] if i["id"] == pending.id)
    assert item["email"] == pending.email and item["status"] == "pending"
    assert "password_hash" not in item


def test_admin_list_filters(client, make, admin):
    _admin, admin_h = admin
    make.user(status="pending", role="manager", username="patmanager")
    make.user(status="active", role="employee", username="emaemployee")
    target = make.user(status="active", role="manager", username="max_100%_manager")

    def ids(query: str) -> set[int]:
        return {
            u["id"] for u in client.get(f"/api/v1/users?{query}", headers=admin_h).json["items"]
        }

    assert ids("status=active&role=manager") == {target.id}
    assert ids("q=100%25") == {target.id}
    assert ids("q=_") == {target.id}  # a literal underscore, not a wildcard
    assert ids("q=%25") == {target.id}
    assert len(ids("status=pending")) == 1


def test_pending_list(client, make, admin):
    _admin, admin_h = admin
    first = make.user(status="pending", username="aaa_waiting")
    second = make.user(status="pending", username="bbb_waiting")
    make.user(status="rejected")
    response = client.get("/api/v1/users/pending", headers=admin_h)
    assert response.status_code == 200
    assert [u["id"] for u in response.get_json()["items"]] == [first.id, second.id]


def test_manager_list_shows_active_users_public_fields(client, make, auth):
    manager, manager_h = auth.as_role("manager")
    active = make.user(username="aaa_active")
    make.user(status="pending")
    make.user(status="disabled")
    make.user(status="rejected")
    response = client.get("/api/v1/users", headers=manager_h)
    assert response.status_code == 200
    data = response.get_json()
    assert {u["id"] for u in data["items"]} == {active.id, manager.id}
    assert data["total"] == 2
    for item in data["items"]:
        assert set(item) == {"id", "username", "role"}


def test_manager_status_filter_cannot_reveal_inactive_accounts(client, make, auth):
    _manager, manager_h = auth.as_role("manager")
    make.user(status="pending")
    response = client.get("/api/v1/users?status=pending", headers=manager_h)
    assert response.status_code == 200
    assert all(u["role"] for u in response.get_json()["items"])
    assert response.get_json()["total"] == 1  # only the manager themself


def test_read_one_user(client, make, admin):
    _admin, admin_h = admin
    user = make.user(timezone="Europe/London")
    response = client.get(f"/api/v1/users/{user.id}", headers=admin_h)
    assert response.status_code == 200
    data = response.get_json()
    assert (data["id"], data["email"], data["timezone"]) == (user.id, user.email, "Europe/London")
    assert client.get("/api/v1/users/424242", headers=admin_h).status_code == 404
