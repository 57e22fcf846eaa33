"""Every body-taking route of the URL map at the input boundary (api/request_body.py).

The routes come from `app.url_map`, so a new JSON route or form inherits each check: a lone
surrogate or a control character answers 422 naming the field, a body nested 1,000 levels deep
answers 400, a chunked body over the size limit answers 413 like a sized one, and nothing is
written. No case may answer 500.
"""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from marshmallow import fields

from api.request_body import BODY_REQUIRED, MAX_DEPTH, TOO_DEEP, nesting_exceeds
from api.security import BODY_ALLOWANCE
from api.web.blueprints import WEB_BLUEPRINTS
from tests.test_bad_input import snapshot
from tests.web.conftest import WebClient

BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
DEEP = 1000


def _over(app, endpoint: str) -> int:
    """One byte over the body limit of `endpoint` (a file upload may allow more:
    api.security.allow_body)."""
    view = app.view_functions[endpoint]
    return (getattr(view, BODY_ALLOWANCE, None) or app.config["MAX_CONTENT_LENGTH"]) + 1


def _fill(rule) -> str:
    values: dict[str, Any] = {name: 1 for name in rule.arguments}
    if "public_id" in values:
        values["public_id"] = str(uuid.uuid4())
    return rule.build(values, append_unknown=False)[1]


def _routes(app, *, web: bool) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) of every JSON route (web=False) or form (web=True)."""
    found = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.partition(".")[0]
        is_web = blueprint in WEB_BLUEPRINTS
        if is_web != web or (not web and not rule.rule.startswith("/api/")):
            continue
        for method in sorted(set(rule.methods or ()) & set(BODY_METHODS)):
            found.append((rule.endpoint, method, _fill(rule)))
    return sorted(found)


def _json_schema(app, endpoint: str):
    apidoc = getattr(app.view_functions[endpoint], "_apidoc", {})
    for parameter in apidoc.get("arguments", {}).get("parameters", ()):
        if parameter["in"] == "json":
            return parameter["schema"]
    return None


def _string_field(app, endpoint: str) -> str:
    schema = _json_schema(app, endpoint)
    if schema is not None:
        for name, field in schema.fields.items():
            if isinstance(field, fields.String) and not field.dump_only:
                return name
    return "title"


def _ids(routes):
    return [f"{method} {path}" for _endpoint, method, path in routes]


def _all(web: bool) -> list[tuple[str, str, str]]:
    from api import create_app

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return _routes(app, web=web)


JSON_ROUTES = _all(web=False)
FORMS = _all(web=True)


def test_the_url_map_has_the_routes_we_expect_to_guard():
    assert len(JSON_ROUTES) >= 20
    assert len(FORMS) >= 15
    assert ("auth.login", "POST", "/api/v1/auth/login") in JSON_ROUTES
    assert ("tasks_web.new", "POST", "/tasks/new") in FORMS


@pytest.mark.parametrize(("endpoint", "method", "path"), JSON_ROUTES, ids=_ids(JSON_ROUTES))
@pytest.mark.parametrize("text", ["\ud800", "ok \udfff", "nul \x00 inside", "bell \x07"])
def test_bad_text_in_json_is_422_naming_the_field(app, client, db, endpoint, method, path, text):
    field = _string_field(app, endpoint)
    body = json.dumps({field: text}).encode()  # ASCII escapes: "\ud800" stays a lone surrogate
    before = snapshot(db)
    response = client.open(path, method=method, data=body, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)
    data = response.get_json()
    assert data["code"] == 422
    assert field in data["errors"]["json"], data
    assert field in data["message"]
    assert snapshot(db) == before


@pytest.mark.parametrize(("endpoint", "method", "path"), JSON_ROUTES, ids=_ids(JSON_ROUTES))
def test_bad_text_in_a_nested_value_or_a_key_is_refused(client, db, endpoint, method, path):
    for body in ({"items": [{"deep": "\ud800"}]}, {"k\x00ey": "value"}):
        response = client.open(path, method=method, json=body)
        assert response.status_code == 422, response.get_data(as_text=True)
        assert response.get_json()["errors"]["json"]


@pytest.mark.parametrize(("endpoint", "method", "path"), JSON_ROUTES, ids=_ids(JSON_ROUTES))
@pytest.mark.parametrize("shape", ["array", "object"])
def test_json_nested_too_deeply_is_400(client, db, endpoint, method, path, shape):
    array, obj = "[" * DEEP + "]" * DEEP, '{"a":' * DEEP + "1" + "}" * DEEP
    body = array if shape == "array" else obj
    before = snapshot(db)
    response = client.open(path, method=method, data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["message"] == TOO_DEEP
    assert snapshot(db) == before


def _chunked(client, method: str, path: str, body: bytes, content_type: str):
    environ = {"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True}
    return client.open(
        path,
        method=method,
        environ_overrides=environ,
        headers={"Content-Type": content_type, "Transfer-Encoding": "chunked"},
    )


@pytest.mark.parametrize(("endpoint", "method", "path"), JSON_ROUTES, ids=_ids(JSON_ROUTES))
def test_chunked_json_over_the_limit_is_413(app, client, db, endpoint, method, path):
    body = json.dumps({"title": "x" * _over(app, endpoint)}).encode()
    before = snapshot(db)
    response = _chunked(client, method, path, body, "application/json")
    assert response.status_code == 413, response.get_data(as_text=True)
    assert response.get_json()["status"] == "Request Entity Too Large"
    assert snapshot(db) == before


@pytest.mark.parametrize(("endpoint", "method", "path"), FORMS, ids=_ids(FORMS))
def test_chunked_form_over_the_limit_is_413(app, client, db, endpoint, method, path):
    body = b"title=" + b"x" * _over(app, endpoint)
    before = snapshot(db)
    response = _chunked(client, method, path, body, "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "text/html" in response.content_type
    assert snapshot(db) == before


def test_a_chunked_body_under_the_limit_is_read_whole(client, db, auth, make):
    """Control: a chunked body within the limit reaches the view intact."""
    _user, headers = auth.as_role("manager")
    headers = {**headers, "Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    for size, status in ((20_000, 201), (1000 * 1000, 422)):  # 422: parsed whole, too long
        body = json.dumps({"title": "Chunked", "description": "x" * size}).encode()
        environ = {"wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True}
        response = client.post("/api/v1/tasks", environ_overrides=environ, headers=headers)
        assert response.status_code == status, response.get_json()
    assert list(response.get_json()["errors"]["json"]) == ["description"]


@pytest.fixture
def admin_web(app, make) -> WebClient:
    return WebClient(app).sign_in(make.user(role="admin"))


@pytest.mark.parametrize(("endpoint", "method", "path"), FORMS, ids=_ids(FORMS))
@pytest.mark.parametrize("text", ["nul \x00 inside", "escape \x1b[31m"])
def test_control_characters_in_a_form_are_422(admin_web, db, endpoint, method, path, text):
    before = snapshot(db)
    response = admin_web.post(path, {"title": text, "login": text, "body": text})
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert "text/html" in response.content_type
    assert "must not contain control characters" in response.get_data(as_text=True).lower()
    assert snapshot(db) == before


@pytest.mark.parametrize(("endpoint", "method", "path"), FORMS, ids=_ids(FORMS))
def test_undecodable_bytes_in_a_form_are_never_a_500(admin_web, db, endpoint, method, path):
    """A percent-encoded surrogate (ED A0 80) is not UTF-8: it arrives as U+FFFD, never raw."""
    response = admin_web.client.open(
        path,
        method=method,
        data=f"csrf_token={admin_web.csrf()}&title=%ED%A0%80&body=%ED%A0%80&login=%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500


def test_tab_and_line_breaks_are_text(client, auth):
    _user, headers = auth.as_role("manager")
    body = {"title": "Tabs\tand", "description": "line one\r\nline two\n\tindented"}
    response = client.post("/api/v1/tasks", json=body, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["description"] == body["description"]


def _required_body_routes() -> list[tuple[str, str, str]]:
    from api import create_app

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return [route for route in JSON_ROUTES if _json_schema(app, route[0]) is not None]


REQUIRED_BODY = _required_body_routes()


@pytest.mark.parametrize(("endpoint", "method", "path"), REQUIRED_BODY, ids=_ids(REQUIRED_BODY))
@pytest.mark.parametrize("how", ["absent", "empty", "not json"])
def test_a_documented_body_is_required(client, db, endpoint, method, path, how):
    kwargs: dict[str, Any] = {
        "absent": {},
        "empty": {"data": b"", "content_type": "application/json"},
        "not json": {"data": b"role=admin", "content_type": "text/plain"},
    }[how]
    before = snapshot(db)
    response = client.open(path, method=method, **kwargs)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["message"] == BODY_REQUIRED
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("depth", "expected"), [(1, False), (MAX_DEPTH, False), (MAX_DEPTH + 1, True), (DEEP, True)]
)
def test_nesting_is_measured_without_recursion(depth, expected):
    assert nesting_exceeds(b"[" * depth + b"]" * depth) is expected
    mixed = b'{"a":[' * (depth // 2) + b"1" + b"]}" * (depth // 2)
    assert nesting_exceeds(mixed) is (2 * (depth // 2) > MAX_DEPTH)


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"title": "[" * 500 + '\\"{' * 100, "x": ["]]]"]}).encode()
    assert nesting_exceeds(text) is False
    assert nesting_exceeds(b"[[[") is None  # unbalanced: not JSON at all
