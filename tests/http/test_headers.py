"""Security headers on every answer (errors too), TRACE refused, oversized bodies refused early."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from api.users.models import User

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def _assert_security_headers(response, *, hsts: bool = True) -> None:
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, name
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    if hsts:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    else:
        assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "status", "mimetype"),
    [
        ("GET", "/api/v1/health", 200, "application/json"),
        ("GET", "/api/v1/tasks", 401, "application/json"),
        ("GET", "/api/v1/nowhere", 404, "application/json"),
        ("DELETE", "/api/v1/health", 405, "application/json"),
        ("GET", "/sign-in", 200, "text/html"),
        ("GET", "/no-such-page", 404, "text/html"),
    ],
)
def test_every_answer_carries_the_security_headers(client, method, path, status, mimetype):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == mimetype
    _assert_security_headers(response)
    if mimetype == "application/json" and status >= 400:
        assert response.json["code"] == status


def test_no_hsts_in_development(make_app):
    client = make_app(ENV_NAME="development").test_client()
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    _assert_security_headers(response, hsts=False)


@pytest.mark.parametrize("path", ["/api/v1/tasks", "/api/v1/health", "/sign-in", "/nowhere"])
def test_trace_answers_405(client, path):
    response = client.open(path, method="TRACE", headers={"X-Secret": "echo me"})
    assert response.status_code == 405
    assert b"echo me" not in response.data
    assert "TRACE" not in response.headers["Allow"]
    assert "GET" in response.headers["Allow"]
    _assert_security_headers(response)
    if path.startswith("/api/"):
        assert response.json == {
            "code": 405,
            "status": "Method Not Allowed",
            "message": response.json["message"],
        }


def test_a_body_over_the_limit_answers_413_before_it_is_parsed(client, app, db):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b"{" + b" " * limit + b"}"  # not even JSON: parsing it would answer 400
    response = client.post("/api/v1/auth/register", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json["code"] == 413
    assert str(limit) in response.json["message"]
    _assert_security_headers(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_413_comes_before_authentication(client, app):
    body = json.dumps({"title": "x" * app.config["MAX_CONTENT_LENGTH"]})
    response = client.post("/api/v1/tasks", data=body, content_type="application/json")
    assert response.status_code == 413  # not 401: the body is refused first


def test_a_body_within_the_limit_is_served(client, app, auth):
    _user, headers = auth.as_role("manager")
    response = client.post(
        "/api/v1/tasks", json={"title": "Fits", "description": "d" * 1000}, headers=headers
    )
    assert response.status_code == 201
