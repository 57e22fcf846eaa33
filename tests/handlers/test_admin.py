"""The first-admin function (handlers/admin.py): no password in, a reset link out."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.notifications.models import EmailKind, OutboxEmail, OutboxStatus
from api.users.models import Role, User
from handlers import admin
from handlers import jobs as jobs_handler


@pytest.fixture
def lambda_app(app, monkeypatch):
    monkeypatch.setattr(jobs_handler, "_app", app)
    return app


def test_the_admin_is_created_and_gets_a_reset_link_not_a_password(lambda_app, db, caplog):
    caplog.set_level("INFO", logger="api.notifications.backends")
    result = admin.create_admin({"email": "Root@Example.com", "username": "root"}, None)

    user = db.session.scalar(sa.select(User).where(User.username == "root"))
    (mail,) = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.user_id == user.id))
    assert result["admin"] == {"id": user.id, "username": "root", "email": "root@example.com"}
    assert user.role == Role.ADMIN
    # Outside a request the reset email is queued, committed and sent at once (the body that
    # held the single-use link is cleared once sent).
    assert mail.kind == EmailKind.PASSWORD_RESET and mail.status == OutboxStatus.SENT
    assert f"outbox_id={mail.id} kind=password_reset to=root@example.com" in caplog.text
    assert "password" not in str(result).lower().replace("sets a password", "")


def test_a_password_in_the_event_is_refused_and_nothing_is_created(lambda_app, db):
    result = admin.create_admin(
        {"email": "root@example.com", "username": "root", "password": "x" * 20}, None
    )

    assert result["errors"] == {"password": ["Remove this field."]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_missing_field_raises_and_a_duplicate_is_explained(lambda_app, db, make):
    make.user(username="root", email="root@example.com")

    with pytest.raises(ValueError, match="missing username"):
        admin.create_admin({"email": "a@example.com"}, None)
    duplicate = admin.create_admin({"email": "root@example.com", "username": "other"}, None)
    assert duplicate["errors"]
