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
    assert "Choose a password of at least 8 characters." in result.output
    assert "{" not in result.output  # sentences, never a Python dict (issue 12)
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
    assert result.exit_code == 2
    assert "That email address is already registered." in result.output
    db.session.expire_all()
    assert db.session.query(User).count() == 1


def _prompted(app, *args: str, answers: str = ""):
    return app.test_cli_runner().invoke(args=["users", "create-admin", *args], input=answers)


def test_a_taken_email_is_refused_before_the_password_is_asked(app, db, make):
    """Issue 12: the duplicate is reported at once, not after the password was typed twice."""
    make.user(email="root@example.com")
    result = _prompted(app, "--email", "root@example.com", answers="root\n")
    assert result.exit_code == 2
    assert "That email address is already registered." in result.output
    assert "Password" not in result.output and "Username" not in result.output


def test_a_bad_username_is_asked_again_before_the_password(app, db):
    result = _prompted(
        app,
        "--email",
        "root@example.com",
        answers="x!\nroot\na long admin passphrase\na long admin passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.index("Choose a username of 3 to 32") < result.output.index("Password")
    db.session.expire_all()
    assert db.session.query(User).one().username == "root"


def test_create_admin_accepts_what_registration_accepts(app, db, client):
    """Documentation domains (RFC 2606) pass both; a special-use domain fails both, alike."""
    ok = _prompted(
        app, "--email", "ops@example.org", "--username", "ops", "--password", "x" * 3 + "-long-pass"
    )
    assert ok.exit_code == 0, ok.output
    refused = _prompted(
        app, "--email", "ops@taskdesk.local", "--username", "ops2", "--password", "a-long-pass"
    )
    register = client.post(
        "/api/v1/auth/register",
        json={"email": "ops@taskdesk.local", "username": "ops3", "password": "a-long-pass"},
    )
    assert refused.exit_code == 2 and register.status_code == 422
    message = register.get_json()["errors"]["json"]["email"][0]
    assert message in refused.output


def test_every_option_has_help(app):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "--help"])
    assert result.exit_code == 0
    for option in ("--email", "--username", "--password", "--verbose"):
        line = next(line for line in result.output.splitlines() if option in line)
        assert len(line.split(option, 1)[1].strip()) > 10, line
