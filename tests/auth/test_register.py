"""Registration: validation, uniqueness, password policy and how the password is stored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.activity.models import Activity
from api.auth.service import REGISTERED
from api.notifications.models import EmailKind, OutboxEmail
from api.users import service as users_service
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
    assert response.status_code == 202, response.get_json()
    assert response.get_json() == {"message": REGISTERED}

    user = db.session.query(User).one()
    assert (user.role.value, user.timezone) == ("manager", "Europe/Berlin")
    assert user.email == "ada@example.com"
    assert user.requested_role.value == "manager"
    assert user.status.value == "pending"
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse battery" not in user.password_hash
    row = db.session.query(Activity).one()
    assert (row.entity_type.value, row.entity_id, row.action) == ("user", user.id, "registered")


def test_email_is_lower_cased(client, db):
    response = client.post(REGISTER, json=body(email="  Ada.Lovelace@Example.COM "))
    assert response.status_code == 202
    assert db.session.query(User).one().email == "ada.lovelace@example.com"


@pytest.mark.parametrize("email", ["not-an-email", "ada@", "@example.com", "ada@@example.com"])
def test_invalid_email_is_refused(client, db, email):
    response = client.post(REGISTER, json=body(email=email))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["email"]
    assert user_count(db) == 0


def test_a_taken_email_answers_like_a_new_one_and_tells_its_owner(client, make, db):
    """No account enumeration: same status and body; the owner gets an email, no account."""
    owner = make.user(email="ada@example.com", username="ada_original")
    taken = client.post(REGISTER, json=body(email="ADA@example.com", username="other"))
    new = client.post(REGISTER, json=body(email="grace@example.com", username="grace"))
    assert taken.status_code == new.status_code == 202
    assert taken.get_json() == new.get_json() == {"message": REGISTERED}
    assert sorted(taken.headers.keys()) == sorted(new.headers.keys())
    assert user_count(db) == 2  # the owner and grace: nobody was created for the taken address
    stored = db.session.get(User, owner.id)
    assert (stored.username, stored.status.value) == ("ada_original", "active")
    rows = db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)).all()
    by_kind = {(row.kind, row.recipient) for row in rows}
    assert (EmailKind.REGISTRATION_ATTEMPT, "ada@example.com") in by_kind
    assert (EmailKind.REGISTRATION_RECEIVED, "grace@example.com") in by_kind
    attempt = next(row for row in rows if row.kind == EmailKind.REGISTRATION_ATTEMPT)
    assert "ada_original" in attempt.body_text and "/password-reset" in attempt.body_text
    assert db.session.query(Activity).count() == 1  # grace's registration only


def test_repeated_attempts_on_a_taken_email_send_one_email_an_hour(client, make, db):
    make.user(email="ada@example.com")
    for n in range(3):
        response = client.post(REGISTER, json=body(username=f"someone{n}"))
        assert response.status_code == 202
    kinds = db.session.scalars(sa.select(OutboxEmail.kind)).all()
    assert kinds == [EmailKind.REGISTRATION_ATTEMPT]


def test_a_taken_email_is_answered_after_the_same_checks(client, make, db):
    """A weak password is refused for a taken address as for a new one (same checks first)."""
    make.user(email="ada@example.com")
    taken = client.post(REGISTER, json=body(password="password123"))
    new = client.post(REGISTER, json=body(email="new@example.com", password="password123"))
    assert taken.status_code == new.status_code == 422
    assert taken.get_json() == new.get_json()


def test_duplicate_username_in_another_case_is_a_conflict(client, make, db):
    make.user(username="Ada")
    response = client.post(REGISTER, json=body(username="aDA"))
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"json": {"username": [users_service.USERNAME_TAKEN]}}
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
        assert response.status_code == 202, response.get_json()
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
    assert response.status_code == 202
    assert db.session.query(User).one().timezone == app.config["DEFAULT_TIMEZONE"]


def test_the_registration_form_answers_alike_for_a_taken_email(app, make, db):
    from tests.web.conftest import WebClient

    make.user(email="ada@example.com", username="ada_original")
    answers = []
    for email, username in (("ada@example.com", "someone"), ("grace@example.com", "grace")):
        web = WebClient(app)
        form = {"email": email, "username": username, "password": "correct horse battery"}
        response = web.post("/register", {**form, "password_confirm": form["password"]})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        page = web.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.headers["Location"], REGISTERED.replace("'", "&#39;") in page))
    assert answers[0] == answers[1] and answers[0][1]
    assert user_count(db) == 2


def test_the_account_is_written_after_the_response(client, db):
    """Before the answer only checks and the password hash run, for any address alike."""
    response = client.post(REGISTER, json=body(), buffered=False)
    assert response.status_code == 202
    assert user_count(db) == 0
    response.close()  # what the WSGI server does after sending the last byte
    db.session.rollback()
    assert user_count(db) == 1
