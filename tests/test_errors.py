"""The one error envelope: unknown routes, wrong methods, unexpected exceptions, request ids."""

from __future__ import annotations

import logging

import pytest

from api import create_app
from api.tasks.models import Task


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/tasks/abc", "/api/v1/tasks/1/nope"])
def test_unknown_route_is_a_404_envelope(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == 404 and body["status"] == "Not Found"
    assert isinstance(body["message"], str) and body["message"]


def test_wrong_method_is_a_405_envelope(client):
    response = client.put("/api/v1/health")
    assert response.status_code == 405
    body = response.get_json()
    assert (body["code"], body["status"]) == (405, "Method Not Allowed")
    assert "GET" in response.headers["Allow"]


@pytest.fixture
def failing_app(app):
    """A second app on the same database, with routes that fail in unexpected ways."""
    other = create_app(
        {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    )

    @other.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret detail: password=hunter2 at /srv/app.py line 7")

    @other.post("/api/v1/boom-after-write")
    def boom_after_write():
        from api.extensions import db

        db.session.add(Task(title="half-done write"))
        db.session.flush()
        raise KeyError("unexpected")

    return other


def test_unexpected_exception_is_a_500_envelope_without_a_traceback(failing_app, caplog):
    client = failing_app.test_client()
    with caplog.at_level(logging.ERROR, logger="api.errors"):
        response = client.get("/api/v1/boom", headers={"X-Request-ID": "req-500-check"})
    assert response.status_code == 500
    body = response.get_json()
    assert body == {
        "code": 500,
        "status": "Internal Server Error",
        "message": "An unexpected error occurred (request id req-500-check).",
    }
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "secret detail", "hunter2", "RuntimeError", "app.py"):
        assert leak not in text
    assert response.headers["X-Request-ID"] == "req-500-check"
    # The traceback goes to the log, with the request id, for the people who run the service.
    assert any("req-500-check" in r.getMessage() and r.exc_info for r in caplog.records)


def test_500_gets_a_generated_request_id(failing_app):
    response = failing_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    assert f"(request id {request_id})" in response.get_json()["message"]


def test_500_rolls_back_the_half_done_write(failing_app, db):
    response = failing_app.test_client().post("/api/v1/boom-after-write")
    assert response.status_code == 500
    db.session.expire_all()
    assert db.session.query(Task).count() == 0


def test_request_id_is_echoed(client):
    response = client.get("/api/v1/health", headers={"X-Request-ID": "abc.DEF-123_x"})
    assert response.headers["X-Request-ID"] == "abc.DEF-123_x"
    not_found = client.get("/api/v1/nope", headers={"X-Request-ID": "trace-404"})
    assert not_found.headers["X-Request-ID"] == "trace-404"


@pytest.mark.parametrize("given", ["has space", "x" * 65, "semi;colon", "new\\nline", ""])
def test_unsafe_request_id_is_replaced(client, given):
    response = client.get("/api/v1/health", headers={"X-Request-ID": given})
    echoed = response.headers["X-Request-ID"]
    assert echoed != given
    assert len(echoed) == 32 and all(c in "0123456789abcdef" for c in echoed)


def test_each_request_gets_its_own_id(client):
    first = client.get("/api/v1/health").headers["X-Request-ID"]
    second = client.get("/api/v1/health").headers["X-Request-ID"]
    assert first != second


def test_health(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_domain_errors_use_the_envelope(client, auth):
    _admin, admin_h = auth.as_role("admin")
    response = client.get("/api/v1/users/999999", headers=admin_h)
    assert response.get_json() == {"code": 404, "status": "Not Found", "message": "User not found."}
