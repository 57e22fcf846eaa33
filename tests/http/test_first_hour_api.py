"""Issue 12, item 15: the API's small surprises (one Date, Retry-After only when refused, LF
line breaks from forms, /favicon.ico, login with `email` or `username`, the README's API)."""

from __future__ import annotations

import http.client
import re
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from api.tasks.models import Task
from tests.factories import PASSWORD

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.fixture
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_a_cacheable_get_sends_one_date_and_no_retry_after(served, auth, rate_limits):
    _, headers = auth.as_role("manager")
    for path in ("/api/v1/tasks", "/api/v1/stats", "/favicon.ico"):
        response = _get(served, path, headers)
        assert response.status == 200, path
        names = [name.lower() for name, _ in response.getheaders()]
        assert names.count("date") == 1, (path, response.getheaders())
        assert "retry-after" not in names, (path, response.getheaders())


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml" and b"<svg" in response.data


def test_form_text_is_stored_with_lf_line_breaks(app, make, db):
    from tests.web.conftest import WebClient

    web = WebClient(app).sign_in(make.user(role="manager"))
    response = web.post(
        "/tasks/new", {"title": "Two lines", "description": "first\r\nsecond\rthird\n"}
    )
    assert response.status_code == 302
    task = db.session.scalar(sa.select(Task).where(Task.title == "Two lines"))
    assert task.description == "first\nsecond\nthird\n"


@pytest.mark.parametrize("key", ["login", "email", "username"])
def test_login_takes_login_email_or_username(client, make, key):
    user = make.user(email="who@example.com")
    value = user.username if key == "username" else user.email
    r = client.post("/api/v1/auth/login", json={key: value, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["access_token"]


def test_login_without_a_name_says_what_to_send(client):
    r = client.post("/api/v1/auth/login", json={"password": PASSWORD})
    assert r.status_code == 422
    assert r.get_json()["errors"]["json"] == {"login": ["Enter your email address or username."]}


def test_readme_api_section_shows_fields_parameters_and_a_curl_per_area():
    api = README.split("## API", 1)[1].split("\n## ", 1)[0]
    for field in ("is_overdue", "assignee_id", "public_id", "severity", "response_count"):
        assert f"`{field}`" in api
    for parameter in ("deadline_from", "reported_from", "page_size", "scope"):
        assert f"`{parameter}`" in api
    for area in ("auth/login", "/tasks", "/incidents", "/users", "/stats", "/outbox"):
        assert re.search(rf"curl [^\n]*{re.escape(area)}", api), area
