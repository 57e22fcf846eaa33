"""Signing in: credentials, account status, and what a token pair looks like."""

from __future__ import annotations

import pytest

from api.auth.models import LoginAttempt
from tests.factories import PASSWORD

LOGIN = "/api/v1/auth/login"


def login(client, who: str, password: str = PASSWORD, address: str = "192.0.2.1"):
    return client.post(
        LOGIN, json={"login": who, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


@pytest.mark.parametrize("form", ["email", "EMAIL", "username", "USERNAME"])
def test_login_with_email_or_username_in_any_case(client, make, form):
    user = make.user(email="casey@example.com", username="Casey_J")
    who = {
        "email": "casey@example.com",
        "EMAIL": "  CASEY@Example.COM ",
        "username": "Casey_J",
        "USERNAME": "casey_j",
    }[form]
    response = login(client, who)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert response.headers["Cache-Control"] == "no-store"
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.get_json()["id"] == user.id


def test_wrong_password_and_unknown_account_answer_identically(client, make, db):
    known = make.user(email="known@example.com")
    wrong = login(client, "known@example.com", "not the password")
    unknown = login(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json() == {
        "code": 401,
        "status": "Unauthorized",
        "message": "Invalid credentials.",
    }
    assert wrong.headers.get("WWW-Authenticate") == unknown.headers.get("WWW-Authenticate")
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    # Each failure is counted for the account and for the address.
    keys = sorted(row.key for row in db.session.query(LoginAttempt))
    assert keys == sorted(
        ["ip:192.0.2.1", "ip:192.0.2.1", "login:nobody@example.com", f"user:{known.id}"]
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("pending", "Your account is awaiting approval by an administrator."),
        ("rejected", "Your registration was not approved."),
        ("disabled", "Your account has been disabled."),
    ],
)
def test_inactive_account_with_the_right_password_is_forbidden(client, make, db, status, message):
    make.user(status=status, email="inactive@example.com")
    response = login(client, "inactive@example.com")
    assert response.status_code == 403
    assert response.get_json() == {"code": 403, "status": "Forbidden", "message": message}
    assert "access_token" not in response.get_data(as_text=True)
    assert db.session.query(LoginAttempt).count() == 0


def test_inactive_account_with_a_wrong_password_says_nothing_about_its_status(client, make):
    make.user(status="pending", email="pending@example.com")
    response = login(client, "pending@example.com", "not the password")
    assert response.status_code == 401
    assert response.get_json()["message"] == "Invalid credentials."
