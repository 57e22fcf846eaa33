"""Registration: validation, uniqueness, password policy and how the password is stored."""

from __future__ import annotations

import pytest

from api.activity.models import Activity
from api.users.models import User

REGISTER = "/api/v1/auth/register"


def body(**overrides):
    data = {"email": "ada@example.com", "username": "ada", "password": "correct horse battery"}
    data.update(overrides)
    return data


def user_count(db) -> int:
    return db.session.query(User).count()


def test_register_creates_a_pending_account(client, db):
    response = client.post(REGISTER, json=body(requested_role="manager", timezone="Europe/Berlin"))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "pending"
    assert data["role"] == "manager"
    assert data["timezone"] == "Europe/Berlin"
    assert "password" not in data and "password_hash" not in data

    user = db.session.get(User, data["id"])
    assert user.email == "ada@example.com"
    assert user.requested_role.value == "manager"
    assert user.status.value == "pending"
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse battery" not in user.password_hash
    row = db.session.query(Activity).one()
    assert (row.entity_type.value, row.entity_id, row.action) == ("user", user.id, "registered")


def test_email_is_lower_cased(client, db):
    response = client.post(REGISTER, json=body(email="  Ada.Lovelace@Example.COM "))
    assert response.status_code == 201
    assert response.get_json()["email"] == "ada.lovelace@example.com"
    assert db.session.query(User).one().email == "ada.lovelace@example.com"


@pytest.mark.parametrize("email", ["not-an-email", "ada@", "@example.com", "ada@@example.com"])
def test_invalid_email_is_refused(client, db, email):
    response = client.post(REGISTER, json=body(email=email))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["email"]
    assert user_count(db) == 0


def test_duplicate_email_in_another_case_is_a_conflict(client, make, db):
    make.user(email="ada@example.com")
    response = client.post(REGISTER, json=body(email="ADA@example.com", username="other"))
    assert response.status_code == 409
    data = response.get_json()
    assert data["code"] == 409
    assert data["errors"] == {"json": {"email": ["Already registered."]}}
    assert user_count(db) == 1


def test_duplicate_username_in_another_case_is_a_conflict(client, make, db):
    make.user(username="Ada")
    response = client.post(REGISTER, json=body(username="aDA"))
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"json": {"username": ["Already taken."]}}
    assert user_count(db) == 1


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("x" * 7, False),
        ("sevenXY", False),
        ("eight8ch", True),
        ("y" * 64, True),
        ("z" * 128, True),
        ("z" * 129, False),
        ("password123", False),
        ("qwerty123", False),
        ("PASSWORD123", False),
        ("ada@example.com", False),
        ("Ada", False),
    ],
)
def test_password_policy(client, db, password, accepted):
    response = client.post(REGISTER, json=body(password=password))
    if accepted:
        assert response.status_code == 201, response.get_json()
        assert user_count(db) == 1
    else:
        assert response.status_code == 422
        assert list(response.get_json()["errors"]["json"]) == ["password"]
        assert user_count(db) == 0


def test_password_may_not_equal_the_username(client, db):
    response = client.post(REGISTER, json=body(username="longusername", password="LongUserName"))
    assert response.status_code == 422
    assert "username" in response.get_json()["errors"]["json"]["password"][0]
    assert user_count(db) == 0


def test_common_password_message(client):
    response = client.post(REGISTER, json=body(password="qwerty123"))
    assert response.get_json()["errors"]["json"]["password"] == [
        "This password is too common; choose another."
    ]


def test_requesting_admin_is_refused(client, db):
    response = client.post(REGISTER, json=body(requested_role="admin"))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["requested_role"]
    assert user_count(db) == 0


@pytest.mark.parametrize("field", ["role", "status", "password_hash", "tokens_valid_after"])
def test_privileged_fields_are_unknown(client, db, field):
    response = client.post(REGISTER, json=body(**{field: "admin"}))
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {field: ["Unknown field."]}
    assert user_count(db) == 0


@pytest.mark.parametrize(
    "username", ["ab", "x" * 33, "has space", "émile", "semi;colon", "", "a/b"]
)
def test_username_format(client, db, username):
    response = client.post(REGISTER, json=body(username=username))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["username"]
    assert user_count(db) == 0


def test_unknown_timezone_is_refused(client, db):
    response = client.post(REGISTER, json=body(timezone="Mars/Olympus_Mons"))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["timezone"]
    assert user_count(db) == 0


def test_default_timezone_comes_from_config(client, db, app):
    response = client.post(REGISTER, json=body())
    assert response.get_json()["timezone"] == app.config["DEFAULT_TIMEZONE"]
