"""`flask users create-admin`: the first admin comes from the command line."""

from __future__ import annotations

from api.users.models import Role, User, UserStatus


def test_create_admin(app, db):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "Root@Example.com",
            "--username",
            "root",
            "--password",
            "a long admin passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created admin root <root@example.com>" in result.output
    db.session.expire_all()
    user = db.session.query(User).one()
    assert (user.email, user.role, user.status) == (
        "root@example.com",
        Role.ADMIN,
        UserStatus.ACTIVE,
    )
    assert user.approved_at is not None
    assert user.password_hash.startswith("$argon2id$")
    assert "a long admin passphrase" not in result.output

    login = app.test_client().post(
        "/api/v1/auth/login", json={"login": "root", "password": "a long admin passphrase"}
    )
    assert login.status_code == 200


def test_create_admin_password_from_the_environment(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--email", "ops@example.com", "--username", "ops"],
        env={"TASKDESK_ADMIN_PASSWORD": "another long passphrase"},
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.query(User).one().username == "ops"


def test_create_admin_refuses_a_weak_password(app, db):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "root@example.com",
            "--username",
            "root",
            "--password",
            "short",
        ]
    )
    assert result.exit_code == 1
    assert "Must be at least 8 characters." in result.output
    assert "Traceback" not in result.output
    db.session.expire_all()
    assert db.session.query(User).count() == 0


def test_create_admin_refuses_a_common_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--email", "r@example.com", "--username", "root"],
        input="password123\npassword123\n",
    )
    assert result.exit_code == 1
    assert "too common" in result.output
    db.session.expire_all()
    assert db.session.query(User).count() == 0


def test_create_admin_refuses_a_taken_email(app, db, make):
    make.user(email="root@example.com")
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "root@example.com",
            "--username",
            "root",
            "--password",
            "a long admin passphrase",
        ]
    )
    assert result.exit_code == 1
    assert "already registered" in result.output
    db.session.expire_all()
    assert db.session.query(User).count() == 1
