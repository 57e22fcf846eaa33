"""Bad input on every write route: the right error, naming the field, and nothing written.

Every case snapshots every table before and after the request and requires them equal, so a
refused request cannot have changed anything (not even a throttle counter or an activity row).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from api.auth import schemas as auth_schemas
from api.projects import schemas as project_schemas
from api.tasks import schemas as task_schemas
from api.users import schemas as user_schemas
from tests.factories import PASSWORD

OVER_ONE_MB = 1024 * 1024 + 1
NAIVE = "2030-01-01T09:00:00"

# route name -> (method, path template, caller role or None for anonymous)
ROUTES: dict[str, tuple[str, str, str | None]] = {
    "register": ("POST", "/api/v1/auth/register", None),
    "login": ("POST", "/api/v1/auth/login", None),
    "profile": ("PATCH", "/api/v1/auth/me", "employee"),
    "password": ("POST", "/api/v1/auth/password", "employee"),
    "user_update": ("PATCH", "/api/v1/users/{target}", "admin"),
    "approve": ("PUT", "/api/v1/users/{pending}/approve", "admin"),
    "task_create": ("POST", "/api/v1/tasks", "manager"),
    "task_update": ("PATCH", "/api/v1/tasks/{task}", "manager"),
    "task_status": ("PUT", "/api/v1/tasks/{task}/status", "employee"),
    "task_assign": ("PUT", "/api/v1/tasks/{task}/assign", "manager"),
    "project_create": ("POST", "/api/v1/projects", "manager"),
    "project_update": ("PATCH", "/api/v1/projects/OPS", "manager"),
    "member_set": ("PUT", "/api/v1/projects/OPS/members/{target}", "manager"),
    "label_create": ("POST", "/api/v1/projects/OPS/labels", "manager"),
    "label_update": ("PATCH", "/api/v1/projects/OPS/labels/{label}", "manager"),
}

VALID_REGISTER = {"email": "new@example.com", "username": "newbie", "password": "long enough pw"}
VALID_TASK = {"title": "A task"}

# (route, body, field named in errors["json"]) -> 422
INVALID: list[tuple[str, dict[str, Any], str]] = [
    # register
    ("register", {"username": "newbie", "password": "long enough pw"}, "email"),
    ("register", {"email": "new@example.com", "password": "long enough pw"}, "username"),
    ("register", {"email": "new@example.com", "username": "newbie"}, "password"),
    ("register", {**VALID_REGISTER, "email": 5}, "email"),
    ("register", {**VALID_REGISTER, "username": ["newbie"]}, "username"),
    ("register", {**VALID_REGISTER, "password": 12345678}, "password"),
    ("register", {**VALID_REGISTER, "requested_role": "boss"}, "requested_role"),
    ("register", {**VALID_REGISTER, "requested_role": "admin"}, "requested_role"),
    ("register", {**VALID_REGISTER, "timezone": "x" * 65}, "timezone"),
    ("register", {**VALID_REGISTER, "email": "a" * 250 + "@example.com"}, "email"),
    ("register", {**VALID_REGISTER, "role": "admin"}, "role"),
    ("register", {**VALID_REGISTER, "status": "active"}, "status"),
    ("register", {**VALID_REGISTER, "created_by": 1}, "created_by"),
    # login
    ("login", {"password": PASSWORD}, "login"),
    ("login", {"login": "someone"}, "password"),
    ("login", {"login": 42, "password": PASSWORD}, "login"),
    ("login", {"login": "", "password": PASSWORD}, "login"),
    ("login", {"login": "someone", "password": PASSWORD, "remember": True}, "remember"),
    # profile
    ("profile", {"notify_reports": [True]}, "notify_reports"),
    ("profile", {"timezone": 7}, "timezone"),
    ("profile", {"timezone": "Not/AZone"}, "timezone"),
    ("profile", {"role": "admin"}, "role"),
    ("profile", {"status": "active"}, "status"),
    ("profile", {"created_by": 1}, "created_by"),
    # password
    ("password", {"new_password": "a new passphrase"}, "current_password"),
    ("password", {"current_password": PASSWORD}, "new_password"),
    ("password", {"current_password": PASSWORD, "new_password": 123456789}, "new_password"),
    ("password", {"current_password": PASSWORD, "new_password": "x" * 129}, "new_password"),
    ("password", {"current_password": PASSWORD, "new_password": "abc"}, "new_password"),
    (
        "password",
        {"current_password": PASSWORD, "new_password": "a new pass", "role": "admin"},
        "role",
    ),
    # user update
    ("user_update", {"role": "boss"}, "role"),
    ("user_update", {"role": 1}, "role"),
    ("user_update", {"status": "pending"}, "status"),
    ("user_update", {"status": "gone"}, "status"),
    ("user_update", {"email": "x@example.com"}, "email"),
    ("user_update", {"created_by": 1}, "created_by"),
    # approve
    ("approve", {"role": "root"}, "role"),
    ("approve", {"status": "active"}, "status"),
    # task create
    ("task_create", {}, "title"),
    ("task_create", {"title": None}, "title"),
    ("task_create", {"title": 5}, "title"),
    ("task_create", {"title": ""}, "title"),
    ("task_create", {"title": "   "}, "title"),
    ("task_create", {"title": "x" * 201}, "title"),
    ("task_create", {**VALID_TASK, "description": "x" * 20_001}, "description"),
    ("task_create", {**VALID_TASK, "priority": "asap"}, "priority"),
    ("task_create", {**VALID_TASK, "deadline": NAIVE}, "deadline"),
    ("task_create", {**VALID_TASK, "deadline": "tomorrow"}, "deadline"),
    ("task_create", {**VALID_TASK, "deadline": 1767225600}, "deadline"),
    ("task_create", {**VALID_TASK, "assignee_id": 0}, "assignee_id"),
    ("task_create", {**VALID_TASK, "assignee_id": "abc"}, "assignee_id"),
    ("task_create", {**VALID_TASK, "assignee_id": 1.5}, "assignee_id"),
    ("task_create", {**VALID_TASK, "assignee_id": "1"}, "assignee_id"),
    ("task_create", {**VALID_TASK, "status": "completed"}, "status"),
    ("task_create", {**VALID_TASK, "created_by": 1}, "created_by"),
    ("task_create", {**VALID_TASK, "created_by_id": 1}, "created_by_id"),
    ("task_create", {**VALID_TASK, "role": "admin"}, "role"),
    ("task_create", {**VALID_TASK, "version": 7}, "version"),
    ("task_create", {**VALID_TASK, "completed_at": "2030-01-01T00:00:00Z"}, "completed_at"),
    # task update
    ("task_update", {"title": ""}, "title"),
    ("task_update", {"title": None}, "title"),
    ("task_update", {"priority": 3}, "priority"),
    ("task_update", {"deadline": NAIVE}, "deadline"),
    ("task_update", {"status": "completed"}, "status"),
    ("task_update", {"assignee_id": 1}, "assignee_id"),
    ("task_update", {"created_by": 1}, "created_by"),
    ("task_update", {"role": "admin"}, "role"),
    # task status
    ("task_status", {}, "status"),
    ("task_status", {"status": 1}, "status"),
    ("task_status", {"status": "done"}, "status"),
    (
        "task_status",
        {"status": "completed", "completed_at": "2030-01-01T00:00:00Z"},
        "completed_at",
    ),
    ("task_status", {"status": "completed", "created_by": 1}, "created_by"),
    # task assign
    ("task_assign", {}, "assignee_ids"),
    ("task_assign", {"assignee_ids": [1] * 11}, "assignee_ids"),
    ("task_assign", {"assignee_ids": ["x"]}, "assignee_ids"),
    ("task_assign", {"assignee_ids": [987654]}, "assignee_ids"),
    ("task_assign", {"assignee_ids": "1"}, "assignee_ids"),
    # tasks in projects
    ("task_create", {**VALID_TASK, "project": "NOPE"}, "project"),
    ("task_create", {**VALID_TASK, "project": "ops"}, "project"),
    ("task_create", {**VALID_TASK, "project": "OPS", "labels": ["unknown"]}, "labels"),
    ("task_create", {**VALID_TASK, "project": "OPS", "labels": "bug"}, "labels"),
    ("task_create", {**VALID_TASK, "project": "OPS", "assignee_ids": [987654]}, "assignee_ids"),
    ("task_create", {**VALID_TASK, "project": "ARCH"}, "project"),
    ("task_update", {"labels": ["unknown"]}, "labels"),
    ("task_update", {"project": "NOPE"}, "project"),
    ("task_update", {"project": "x"}, "project"),
    # projects
    ("project_create", {"name": "No key"}, "key"),
    ("project_create", {"key": "O", "name": "Short"}, "key"),
    ("project_create", {"key": "ops", "name": "Lower"}, "key"),
    ("project_create", {"key": "ABCDEFGHIJK", "name": "Long"}, "key"),
    ("project_create", {"key": "OPS", "name": "Taken"}, "key"),
    ("project_create", {"key": "NEW"}, "name"),
    ("project_create", {"key": "NEW", "name": "   "}, "name"),
    ("project_update", {"name": ""}, "name"),
    ("project_update", {"key": "NEW"}, "key"),
    ("member_set", {}, "role"),
    ("member_set", {"role": "owner"}, "role"),
    ("label_create", {"color": "#112233"}, "name"),
    ("label_create", {"name": "bug"}, "name"),
    ("label_create", {"name": "new", "color": "red"}, "color"),
    ("label_update", {"color": "#12"}, "color"),
    ("label_update", {"name": "x" * 51}, "name"),
    ("task_assign", {"assignee_id": "x"}, "assignee_id"),
    ("task_assign", {"assignee_id": -1}, "assignee_id"),
    ("task_assign", {"assignee_id": True}, "assignee_id"),
    ("task_assign", {"assignee_id": 1.5}, "assignee_id"),
    ("task_assign", {"assignee_id": "1"}, "assignee_id"),
    ("task_assign", {"assignee_id": None, "status": "completed"}, "status"),
]

SCHEMAS = {
    "register": auth_schemas.RegisterIn,
    "login": auth_schemas.LoginIn,
    "profile": auth_schemas.ProfileUpdate,
    "password": auth_schemas.PasswordChange,
    "user_update": user_schemas.UserUpdate,
    "approve": user_schemas.ApproveIn,
    "task_create": task_schemas.TaskCreate,
    "task_update": task_schemas.TaskUpdate,
    "task_status": task_schemas.TaskStatusIn,
    "task_assign": task_schemas.TaskAssignIn,
    "project_create": project_schemas.ProjectCreate,
    "project_update": project_schemas.ProjectUpdate,
    "member_set": project_schemas.MemberIn,
    "label_create": project_schemas.LabelCreate,
    "label_update": project_schemas.LabelUpdate,
}


@pytest.fixture
def world(make, auth) -> dict[str, Any]:
    employee = make.user(role="employee")
    manager = make.user(role="manager")
    admin = make.user(role="admin")
    ops = make.project("OPS", members={manager: "lead", employee: "member"})
    make.project("ARCH", members={manager: "lead"}, archived_at=make.days(-1))
    return {
        "label": make.label(ops, "bug").id,
        "headers": {
            None: {},
            "employee": auth.headers(employee),
            "manager": auth.headers(manager),
            "admin": auth.headers(admin),
        },
        "target": make.user(role="employee").id,
        "pending": make.user(status="pending").id,
        "task": make.task(assignee=employee, created_by=manager, title="Untouched").id,
    }


def snapshot(db) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    db.session.expire_all()
    with db.engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(map(repr, row)) for row in conn.execute(sa.select(table))),
            )
            for table in db.metadata.sorted_tables
        }


def send(client, world, route: str, **kwargs):
    method, template, role = ROUTES[route]
    path = template.format(**world)
    return client.open(path, method=method, headers=world["headers"][role], **kwargs)


@pytest.mark.parametrize(
    ("route", "body", "field"),
    INVALID,
    ids=[f"{route}-{field}-{n}" for n, (route, _b, field) in enumerate(INVALID)],
)
def test_invalid_body_is_422_naming_the_field(client, db, world, route, body, field):
    before = snapshot(db)
    response = send(client, world, route, json=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    data = response.get_json()
    assert (data["code"], data["status"]) == (422, "Unprocessable Entity")
    assert data["message"]
    assert field in data["errors"]["json"], data["errors"]
    if field not in SCHEMAS[route]().fields:
        assert data["errors"]["json"][field] == ["Unknown field."]
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("route", "field"),
    [
        ("register", "role"),
        ("register", "status"),
        ("profile", "role"),
        ("profile", "status"),
        ("task_create", "status"),
        ("task_create", "role"),
        ("task_update", "status"),
        ("approve", "status"),
        ("user_update", "email"),
    ],
)
def test_privileged_fields_are_unknown_fields(client, db, world, route, field):
    body = {
        "register": VALID_REGISTER,
        "profile": {},
        "task_create": VALID_TASK,
        "task_update": {},
        "approve": {"role": "employee"},
        "user_update": {},
    }[route]
    before = snapshot(db)
    response = send(client, world, route, json={**body, field: "admin"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"] == {field: ["Unknown field."]}
    assert snapshot(db) == before


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize(
    "raw", [b'{"title": "x",', b"{'single': 'quotes'}", b"not json", b'{"a": 1} trailing']
)
def test_malformed_json_is_400(client, db, world, route, raw):
    before = snapshot(db)
    response = send(client, world, route, data=raw, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    data = response.get_json()
    assert (data["code"], data["status"]) == (400, "Bad Request")
    assert data["message"] == "The request body is not valid JSON."
    assert snapshot(db) == before


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("payload", [[], ["title"], "a string", 42, None])
def test_json_that_is_not_an_object_is_refused(client, db, world, route, payload):
    before = snapshot(db)
    response = send(client, world, route, data=json.dumps(payload), content_type="application/json")
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert response.get_json()["code"] == response.status_code
    assert snapshot(db) == before


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_body_over_one_megabyte_is_413(client, db, world, route):
    body = json.dumps({"title": "x" * OVER_ONE_MB}).encode()
    before = snapshot(db)
    response = send(client, world, route, data=body, content_type="application/json")
    assert response.status_code == 413
    data = response.get_json()
    assert (data["code"], data["status"]) == (413, "Request Entity Too Large")
    assert snapshot(db) == before


def test_a_body_just_under_the_limit_is_parsed(client, db, world):
    """Control for the 413 test: size alone below 1 MB is a validation matter (422)."""
    body = json.dumps({"title": "x" * (1024 * 1024 - 100)}).encode()
    response = send(client, world, "task_create", data=body, content_type="application/json")
    assert response.status_code == 422
    assert "title" in response.get_json()["errors"]["json"]


@pytest.mark.parametrize("route", ["task_create", "task_update"])
def test_naive_deadline_is_422_and_an_offset_is_accepted(client, db, world, route):
    before = snapshot(db)
    body = {**(VALID_TASK if route == "task_create" else {}), "deadline": NAIVE}
    response = send(client, world, route, json=body)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["json"]) == ["deadline"]
    assert snapshot(db) == before

    response = send(client, world, route, json={**body, "deadline": NAIVE + "-05:00"})
    assert response.status_code in (200, 201)
    assert response.get_json()["deadline"] == "2030-01-01T14:00:00+00:00"


def test_valid_bodies_are_accepted(client, db, world):
    """Control: each route works with a good body, so the refusals above are about the input."""
    good = {
        "register": VALID_REGISTER,
        "profile": {"notify_reports": False},
        "user_update": {"role": "manager"},
        "approve": {"role": "employee"},
        "task_create": VALID_TASK,
        "task_update": {"priority": "high"},
        "task_status": {"status": "in_progress"},
        "task_assign": {"assignee_id": None},
        "password": {"current_password": PASSWORD, "new_password": "a new passphrase"},
    }
    for route, body in good.items():
        response = send(client, world, route, json=body)
        assert response.status_code in (200, 201, 202), (route, response.get_json())
