"""Refresh, logout, profile and password change over HTTP."""

from __future__ import annotations

import pytest

from api.auth.models import RevokedToken
from api.users.models import User
from tests.factories import PASSWORD

ME = "/api/v1/auth/me"
PASSWORD_URL = "/api/v1/auth/password"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_refresh_returns_a_working_pair(client, make, auth):
    user = make.user(role="manager")
    response = client.post(
        "/api/v1/auth/refresh", headers=bearer(auth.tokens(user)["refresh_token"])
    )
    assert response.status_code == 200
    pair = response.get_json()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 900
    assert client.get(ME, headers=bearer(pair["access_token"])).get_json()["id"] == user.id


def test_logout_twice_with_the_same_token_is_refused(client, make, auth, db):
    headers = auth.headers(make.user())
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    again = client.post("/api/v1/auth/logout", headers=headers)
    assert again.status_code == 401
    assert db.session.query(RevokedToken).count() == 2


def test_logout_after_the_refresh_token_was_spent(client, make, auth, db):
    tokens = auth.tokens(make.user())
    assert (
        client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code
        == 200
    )
    response = client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    assert response.status_code == 204
    assert db.session.query(RevokedToken).count() == 2


def test_me_shows_the_profile(client, make, auth):
    user = make.user(role="manager", timezone="Asia/Tokyo")
    response = client.get(ME, headers=auth.headers(user))
    assert response.status_code == 200
    data = response.get_json()
    assert data["id"] == user.id
    assert data["email"] == user.email
    assert data["role"] == "manager" and data["status"] == "active"
    assert data["timezone"] == "Asia/Tokyo"
    assert "password_hash" not in data and "tokens_valid_after" not in data


def test_profile_update(client, make, auth, db):
    user = make.user()
    response = client.patch(
        ME,
        json={"timezone": "America/New_York", "notify_sign_in": True, "notify_reports": False},
        headers=auth.headers(user),
    )
    assert response.status_code == 200
    assert response.get_json()["timezone"] == "America/New_York"
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.timezone == "America/New_York"
    assert stored.notify_sign_in is True and stored.notify_reports is False
    assert stored.notify_daily_reminder is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Nowhere/Special"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"notify_reports": "sometimes"}, "notify_reports"),
        ({"role": "admin"}, "role"),
        ({"status": "active"}, "status"),
        ({"email": "new@example.com"}, "email"),
        ({"tokens_valid_after": None}, "tokens_valid_after"),
    ],
)
def test_profile_update_refuses_bad_and_privileged_fields(client, make, auth, db, change, field):
    user = make.user(timezone="UTC")
    response = client.patch(ME, json=change, headers=auth.headers(user))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == [field]
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert (stored.timezone, stored.role.value, stored.email) == ("UTC", "employee", user.email)


def test_password_change(client, make, auth, db):
    user = make.user(email="pw@example.com")
    old_hash = user.password_hash
    response = client.post(
        PASSWORD_URL,
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
        headers=auth.headers(user),
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.password_hash != old_hash
    assert stored.password_hash.startswith("$argon2id$")
    assert stored.tokens_valid_after is not None

    login = "/api/v1/auth/login"
    new = client.post(login, json={"login": "pw@example.com", "password": "a brand new passphrase"})
    old = client.post(login, json={"login": "pw@example.com", "password": PASSWORD})
    assert new.status_code == 200
    assert old.status_code == 401


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        ("not my password", "a brand new passphrase", "current_password"),
        (PASSWORD, "short", "new_password"),
        (PASSWORD, "password123", "new_password"),
    ],
)
def test_password_change_refused(client, make, auth, db, current, new, field):
    user = make.user()
    headers = auth.headers(user)
    response = client.post(
        PASSWORD_URL, json={"current_password": current, "new_password": new}, headers=headers
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == [field]
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.password_hash == user.password_hash
    assert stored.tokens_valid_after is None
    assert client.get(ME, headers=headers).status_code == 200
