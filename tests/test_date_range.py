"""Every date-time the API accepts is bounded (api/input_rules.Moment), and pages are total.

The routes and their argument schemas come from the URL map, so a new date-time field in any
route's body or query inherits the range check (or fails `test_every_date_field_is_a_moment`).
A stored value outside the range (written before the rule, or by hand) still renders.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from marshmallow import fields

from api.input_rules import RANGE_MESSAGE, Moment
from api.tasks.models import Task
from api.web.blueprints import WEB_BLUEPRINTS
from tests.test_input_boundary import _fill
from tests.web.conftest import WebClient

OUT_OF_RANGE = [
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+05:00",
    "1999-12-31T23:59:59Z",
    "2101-01-01T00:00:00Z",
]
IN_RANGE = ["2000-01-01T00:00:00Z", "2100-12-31T23:59:59Z", "2030-06-01T09:00:00+05:30"]


def _date_fields(app) -> list[tuple[str, str, str, str]]:
    """(endpoint, method, location, field) for every DateTime field of an arguments schema."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", ()):
            for name, field in parameter["schema"].fields.items():
                if isinstance(field, fields.DateTime) and not field.dump_only:
                    for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                        found.append((rule.endpoint, method, parameter["in"], name))
    return sorted(set(found))


def _schema_fields():
    from api import create_app

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return _date_fields(app)


DATE_FIELDS = _schema_fields()


def test_the_api_has_date_fields_to_check():
    assert {location for *_rest, location, _name in DATE_FIELDS} == {"json", "query"}
    assert len(DATE_FIELDS) >= 6


def test_every_date_field_is_a_moment(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", ()):
            for name, field in parameter["schema"].fields.items():
                if isinstance(field, fields.DateTime):
                    assert isinstance(field, Moment), f"{rule.endpoint}: {name}"


@pytest.fixture
def objects(make, auth):
    admin, headers = auth.as_role("admin")
    task = make.task(created_by=admin, title="Dated")
    return {"headers": headers, "task_id": task.id, "user_id": admin.id}


def _path(app, endpoint: str, objects) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    path = _fill(rule)
    for name in rule.arguments:
        if name in objects:
            path = rule.build({**{n: 1 for n in rule.arguments}, name: objects[name]})[1]
    return path


@pytest.mark.parametrize(
    ("endpoint", "method", "location", "name"),
    DATE_FIELDS,
    ids=[f"{m} {e} {loc}.{n}" for e, m, loc, n in DATE_FIELDS],
)
@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_a_date_out_of_range_is_422(
    app, client, db, objects, endpoint, method, location, name, value
):
    path = _path(app, endpoint, objects)
    kwargs = {"json": {name: value}} if location == "json" else {"query_string": {name: value}}
    if endpoint == "tasks.create_task":
        kwargs["json"]["title"] = "Far away"
    response = client.open(path, method=method, headers=objects["headers"], **kwargs)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["errors"][location][name] == [RANGE_MESSAGE]
    db.session.rollback()
    stored = db.session.scalars(sa.select(Task.deadline).where(Task.deadline.is_not(None))).all()
    assert stored == []


@pytest.mark.parametrize("value", IN_RANGE)
def test_the_ends_of_the_range_are_accepted(client, objects, value):
    response = client.post(
        "/api/v1/tasks", json={"title": "Edge", "deadline": value}, headers=objects["headers"]
    )
    assert response.status_code == 201, response.get_json()
    listed = client.get(
        "/api/v1/tasks", query_string={"deadline_from": value}, headers=objects["headers"]
    )
    assert listed.status_code == 200


def _forms(app) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.partition(".")[0] in WEB_BLUEPRINTS and "POST" in (rule.methods or ()):
            paths.append(rule.endpoint)
    return sorted(paths)


@pytest.mark.parametrize("value", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_no_form_stores_a_date_out_of_range(app, db, make, objects, value):
    admin = db.session.get(type(make.user()), objects["user_id"])
    web = WebClient(app).sign_in(admin)
    for endpoint in _forms(app):
        if endpoint == "auth_web.sign_out_view":
            continue
        path = _path(app, endpoint, objects)
        response = web.post(path, {"title": "Far away", "deadline": value, "priority": "normal"})
        assert response.status_code < 500, (endpoint, response.status_code)
    response = web.post("/tasks/new", {"title": "Far away", "deadline": value})
    assert response.status_code == 422
    assert RANGE_MESSAGE in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalars(sa.select(Task).where(Task.title == "Far away")).all() == []


EXTREMES = [
    ("Asia/Tokyo", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("Pacific/Kiritimati", datetime(9999, 12, 31, 12, 0, tzinfo=UTC)),
    ("America/New_York", datetime(1, 1, 1, 0, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(("zone", "deadline"), EXTREMES, ids=[z for z, _d in EXTREMES])
def test_pages_render_any_stored_deadline(app, make, zone, deadline):
    if deadline.year == 1 and os.environ.get("TEST_DATABASE_URL", "").startswith("mysql"):
        pytest.skip("MariaDB's DATETIME starts at year 1000: year 1 cannot be stored there")
    viewer = make.user(role="manager", timezone=zone)
    task = make.task(created_by=viewer, assignee=viewer, title="Edge of time", deadline=deadline)
    web = WebClient(app).sign_in(viewer)
    for path in ("/dashboard", "/tasks", f"/tasks/{task.id}", f"/tasks/{task.id}/edit"):
        response = web.get(path)
        assert response.status_code == 200, (path, response.status_code)
        if path != f"/tasks/{task.id}/edit":
            assert "Edge of time" in response.get_data(as_text=True)
    assert "UTC" in web.get(f"/tasks/{task.id}").get_data(as_text=True)
