"""A database out of reach answers 503 with Retry-After (API envelope and HTML page), not 500.

The outage is real: an app whose DATABASE_URL names a port nothing listens on (the driver's
"can't connect", MySQL error 2003), and an app on the real database whose server drops the
connection in the middle of a request (KILL, then "server has gone away", 2006 / 2013).
"""

from __future__ import annotations

import logging
import os

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError, OperationalError

from api import create_app
from api.outage import RETRY_AFTER_SECONDS, is_unavailable
from tests.factories import PASSWORD
from tests.web.conftest import WebClient

NOWHERE = "mysql+pymysql://taskdesk:taskdesk@127.0.0.1:9/taskdesk_nowhere?charset=utf8mb4"


@pytest.fixture
def down(app) -> Flask:
    """An app whose database refuses connections (port 9, discard: nothing listens)."""
    other = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": NOWHERE,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_timeout": 2,
                "connect_args": {"connect_timeout": 2},
            },
        }
    )
    yield other
    with other.app_context():
        from api.extensions import db

        db.engine.dispose()


def _assert_503(response) -> None:
    """503 with Retry-After; under /api/ Flask-Limiter raises it to its window's reset."""
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    if response.request.path.startswith("/api/"):
        assert int(response.headers["Retry-After"]) >= RETRY_AFTER_SECONDS
    else:
        assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/auth/login", {"login": "someone", "password": PASSWORD}),
        (
            "POST",
            "/api/v1/auth/register",
            {"email": "a@example.com", "username": "abc", "password": PASSWORD},
        ),
        ("POST", "/api/v1/auth/password-reset", {"email": "a@example.com"}),
        ("GET", "/api/v1/tasks", None),
    ],
)
def test_api_answers_503_in_the_envelope(down, caplog, method, path, body):
    headers = {}
    if path == "/api/v1/tasks":  # a syntactically valid token: the check needs the database
        with down.app_context():
            from flask_jwt_extended import create_access_token

            headers = {"Authorization": f"Bearer {create_access_token('1')}"}
    with caplog.at_level(logging.INFO):
        response = down.test_client().open(path, method=method, json=body, headers=headers)
    _assert_503(response)
    data = response.get_json()
    assert (data["code"], data["status"]) == (503, "Service Unavailable")
    assert "try again" in data["message"]
    outage_lines = [r for r in caplog.records if r.name == "api.outage"]
    assert len(outage_lines) == 1 and "database unavailable" in outage_lines[0].getMessage()
    assert outage_lines[0].exc_info is None  # one line, no traceback
    assert not [r for r in caplog.records if "unhandled error" in r.getMessage()]


def test_ui_answers_503_on_its_error_page(down):
    web = WebClient(down)
    page = web.get("/sign-in")
    assert page.status_code == 200  # no database needed to show the form
    response = web.post("/sign-in", {"login": "someone", "password": PASSWORD})
    _assert_503(response)
    assert "text/html" in response.content_type
    assert "Service Unavailable" in response.get_data(as_text=True)


def test_a_signed_in_page_answers_503(down, app, make):
    user = make.user(role="employee")
    web = WebClient(down)
    with down.app_context():
        web.sign_in(user)
    response = web.get("/dashboard")
    _assert_503(response)
    assert "text/html" in response.content_type


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("mysql"),
    reason="KILL CONNECTION is MariaDB's",
)
def test_a_connection_killed_mid_request_answers_503(app, client, auth, db, caplog):
    """The server drops the connection between two statements of one request."""
    _user, headers = auth.as_role("manager")
    from api.extensions import db as ext_db

    killed = {}

    @sa.event.listens_for(ext_db.engine, "before_cursor_execute")
    def _kill(conn, cursor, statement, parameters, context, executemany):
        if "FROM tasks" in statement and not killed:
            killed["id"] = conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
            with sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"]).connect() as other:
                other.exec_driver_sql(f"KILL CONNECTION {killed['id']}")

    try:
        with caplog.at_level(logging.INFO):
            response = client.get("/api/v1/tasks", headers=headers)
    finally:
        sa.event.remove(ext_db.engine, "before_cursor_execute", _kill)
    _assert_503(response)
    assert [r for r in caplog.records if r.name == "api.outage"]
    assert client.get("/api/v1/tasks", headers=auth.headers(_user)).status_code == 200


class _DriverError(Exception):
    pass


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OperationalError("SELECT 1", {}, _DriverError(2003, "Can't connect")), True),
        (OperationalError("SELECT 1", {}, _DriverError(2006, "gone away")), True),
        (OperationalError("SELECT 1", {}, _DriverError(2013, "Lost connection")), True),
        (OperationalError("SELECT 1", {}, _DriverError(1040, "Too many connections")), True),
        (OperationalError("SELECT 1", {}, _DriverError(1205, "Lock wait timeout")), False),
        (OperationalError("SELECT 1", {}, _DriverError(1213, "Deadlock found")), False),
        (OperationalError("x", {}, _DriverError("unable to open database file")), True),
        (OperationalError("x", {}, _DriverError("no such table: tasks")), False),
        (IntegrityError("INSERT", {}, _DriverError(1062, "Duplicate entry")), False),
        (RuntimeError("not a database error"), False),
    ],
)
def test_which_errors_are_an_outage(error, expected):
    assert is_unavailable(error) is expected
