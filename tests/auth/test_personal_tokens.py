"""Personal access tokens: created once, stored hashed, limited to their scopes, revoked like JWTs.

Tokens are created through the API with a JWT session (`auth.headers`), then used as
`Authorization: Bearer tdp_…`.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from api.auth.models import PersonalToken
from api.db import utcnow
from api.extensions import db
from tests.factories import PASSWORD

TOKENS = "/api/v1/auth/tokens"
TASKS = "/api/v1/tasks"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def in_days(days: float) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


def create(client, headers, *, scopes=("tasks:read",), days=30, name="nightly export"):
    body = {"name": name, "scopes": list(scopes), "expires_at": in_days(days)}
    return client.post(TOKENS, json=body, headers=headers)


def new_token(client, auth, user, **kwargs) -> str:
    response = create(client, auth.headers(user), **kwargs)
    assert response.status_code == 201, response.json
    return response.json["token"]


def stored(token_id: int) -> PersonalToken:
    db.session.expire_all()
    return db.session.get(PersonalToken, token_id)


def test_the_secret_is_shown_once_and_only_its_hash_is_stored(client, auth, make):
    user = make.user(role="employee")
    response = create(client, auth.headers(user), scopes=["tasks:read", "incidents:write"])
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    secret = body["token"]
    assert secret.startswith("tdp_") and len(secret) == 4 + 43
    assert body["prefix"] == secret[:12]
    assert body["scopes"] == ["tasks:read", "incidents:write"]
    assert body["status"] == "active" and body["last_used_at"] is None
    row = (
        db.session.execute(
            sa.text("SELECT * FROM personal_tokens WHERE id = :id"), {"id": body["id"]}
        )
        .mappings()
        .one()
    )
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in " ".join(str(value) for value in row.values())
    listed = client.get(TOKENS, headers=auth.headers(user)).json
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0] and listed[0]["prefix"] == secret[:12]


def test_a_token_without_tasks_write_cannot_create_a_task_but_lists_with_tasks_read(
    client, auth, make
):
    admin = make.user(role="admin")
    make.task(title="Rotate the keys")
    reader = new_token(client, auth, admin, scopes=["tasks:read"])
    listed = client.get(TASKS, headers=bearer(reader))
    assert listed.status_code == 200
    assert [t["title"] for t in listed.json["items"]] == ["Rotate the keys"]
    refused = client.post(TASKS, json={"title": "From a script"}, headers=bearer(reader))
    assert refused.status_code == 403
    assert "tasks:write" in refused.json["message"]
    writer = new_token(client, auth, admin, scopes=["tasks:write"])
    created = client.post(TASKS, json={"title": "From a script"}, headers=bearer(writer))
    assert created.status_code == 201, created.json
    assert created.json["created_by"]["id"] == admin.id
    titles = db.session.scalars(sa.text("SELECT title FROM tasks ORDER BY id")).all()
    assert titles == ["Rotate the keys", "From a script"]


def test_a_token_without_tasks_read_cannot_list_tasks(client, auth, make):
    admin = make.user(role="admin")
    secret = new_token(client, auth, admin, scopes=["incidents:read"])
    response = client.get(TASKS, headers=bearer(secret))
    assert response.status_code == 403
    assert "tasks:read" in response.json["message"]
    assert client.get("/api/v1/incidents", headers=bearer(secret)).status_code == 200


def test_the_token_acts_as_its_owner_within_the_owners_rights(client, auth, make):
    employee = make.user(role="employee")
    secret = new_token(client, auth, employee, scopes=["tasks:read"])
    me = client.get("/api/v1/auth/me", headers=bearer(secret))
    assert me.status_code == 200 and me.json["id"] == employee.id
    # the scope does not lift the role: employees do not list users
    assert client.get("/api/v1/users", headers=bearer(secret)).status_code == 403


def test_an_expired_token_answers_401(client, auth, make):
    user = make.user()
    secret = new_token(client, auth, user, days=1)
    with time_machine.travel(utcnow() + timedelta(days=1, seconds=5)):
        response = client.get(TASKS, headers=bearer(secret))
    assert response.status_code == 401
    assert response.json["message"] == "The token has expired."
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_answers_401_and_leaves_the_list(client, auth, make):
    user = make.user()
    headers = auth.headers(user)
    body = create(client, headers).json
    assert client.delete(f"{TOKENS}/{body['id']}", headers=headers).status_code == 204
    assert stored(body["id"]).revoked_at is not None
    response = client.get(TASKS, headers=bearer(body["token"]))
    assert response.status_code == 401
    assert response.json["message"] == "The token has been revoked."
    assert client.get(TOKENS, headers=headers).json == []
    assert client.delete(f"{TOKENS}/{body['id']}", headers=headers).status_code == 404


def test_an_unknown_token_answers_401(client):
    response = client.get(TASKS, headers=bearer("tdp_" + "x" * 43))
    assert response.status_code == 401
    assert response.json["message"] == "Invalid token."


def test_one_cannot_revoke_someone_elses_token(client, auth, make):
    owner, other = make.user(), make.user()
    body = create(client, auth.headers(owner)).json
    response = client.delete(f"{TOKENS}/{body['id']}", headers=auth.headers(other))
    assert response.status_code == 404
    assert stored(body["id"]).revoked_at is None
    assert client.get(TASKS, headers=bearer(body["token"])).status_code == 200


def test_a_password_change_revokes_the_tokens(client, auth, make):
    user = make.user()
    secret = new_token(client, auth, user)
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "another-long-secret-42"},
        headers=auth.headers(user),
    )
    assert changed.status_code == 200
    response = client.get(TASKS, headers=bearer(secret))
    assert response.status_code == 401
    assert response.json["message"] == "The token has been revoked."
    fresh = changed.json["access_token"]
    listed = client.get(TOKENS, headers=bearer(fresh)).json
    assert [t["status"] for t in listed] == ["revoked"]
    # a token made after the change works
    assert client.get(TASKS, headers=bearer(new_token(client, auth, user))).status_code == 200


@pytest.mark.parametrize("change", [{"status": "disabled"}, {"role": "manager"}])
def test_disabling_or_changing_the_role_revokes_the_tokens(client, auth, make, change):
    admin, user = make.user(role="admin"), make.user(role="employee")
    secret = new_token(client, auth, user)
    updated = client.patch(f"/api/v1/users/{user.id}", json=change, headers=auth.headers(admin))
    assert updated.status_code == 200, updated.json
    response = client.get(TASKS, headers=bearer(secret))
    assert response.status_code == 401
    assert response.json["message"] == "The token has been revoked."


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", TOKENS, None),
        ("POST", TOKENS, {"name": "x", "scopes": ["tasks:read"], "expires_at": "later"}),
        ("DELETE", f"{TOKENS}/1", None),
        ("POST", "/api/v1/auth/password", {"current_password": PASSWORD, "new_password": "n"}),
        ("POST", "/api/v1/auth/logout", None),
        ("POST", "/api/v1/auth/refresh", None),
        ("PATCH", "/api/v1/auth/me", {"timezone": "Europe/Paris"}),
    ],
)
def test_a_token_cannot_manage_tokens_the_password_or_the_session(
    client, auth, make, method, path, body
):
    admin = make.user(role="admin")
    every = ["tasks:write", "incidents:write", "admin"]
    secret = new_token(client, auth, admin, scopes=every)
    response = client.open(path, method=method, json=body, headers=bearer(secret))
    assert response.status_code == 403
    assert "personal access token" in response.json["message"].lower()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalToken)) == 1
    assert admin.timezone == "UTC"


def test_a_token_is_no_session_cookie_on_the_web_ui(client, auth, make, app):
    user = make.user()
    secret = new_token(client, auth, user)
    client.set_cookie(app.config["JWT_ACCESS_COOKIE_NAME"], secret)
    page = client.get("/profile")
    assert page.status_code == 302 and "/sign-in" in page.headers["Location"]
    client.delete_cookie(app.config["JWT_ACCESS_COOKIE_NAME"])
    page = client.get("/profile", headers=bearer(secret))
    assert page.status_code == 302 and "/sign-in" in page.headers["Location"]


def test_the_admin_scope_is_for_admins_only(client, auth, make):
    manager = make.user(role="manager")
    response = create(client, auth.headers(manager), scopes=["tasks:read", "admin"])
    assert response.status_code == 422
    assert response.json["errors"]["json"]["scopes"] == [
        "Only administrators may give a token the admin scope."
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalToken)) == 0
    admin = make.user(role="admin")
    secret = new_token(client, auth, admin, scopes=["admin"])
    assert client.get("/api/v1/users", headers=bearer(secret)).status_code == 200
    assert client.get(TASKS, headers=bearer(secret)).status_code == 403  # admin is not tasks


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"expires_at": None}, "expires_at"),
        ({"expires_at": "drop"}, "expires_at"),
        ({"expires_at": "in_400_days"}, "expires_at"),
        ({"expires_at": "yesterday"}, "expires_at"),
        ({"expires_at": "2027-01-01T00:00:00"}, "expires_at"),  # no offset
        ({"scopes": []}, "scopes"),
        ({"scopes": ["tasks:delete"]}, "scopes"),
        ({"name": "   "}, "name"),
    ],
)
def test_bad_input_answers_422_naming_the_field(client, auth, make, change, field):
    user = make.user()
    body = {"name": "ci", "scopes": ["tasks:read"], "expires_at": in_days(30)}
    moments = {"in_400_days": in_days(400), "yesterday": in_days(-1)}
    for key, value in change.items():
        if value == "drop":
            body.pop(key)
        else:
            body[key] = moments.get(value, value) if isinstance(value, str) else value
    response = client.post(TOKENS, json=body, headers=auth.headers(user))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalToken)) == 0


def test_a_year_away_is_accepted(client, auth, make):
    assert create(client, auth.headers(make.user()), days=365).status_code == 201


def test_last_use_is_recorded_at_most_once_a_minute(client, auth, make):
    user = make.user()
    body = create(client, auth.headers(user)).json
    start = utcnow()
    with time_machine.travel(start, tick=False):
        assert client.get(TASKS, headers=bearer(body["token"])).status_code == 200
    first = stored(body["id"]).last_used_at
    assert first == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get(TASKS, headers=bearer(body["token"]))
    assert stored(body["id"]).last_used_at == first
    later = start + timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        client.get(TASKS, headers=bearer(body["token"]))
    assert stored(body["id"]).last_used_at == later
    listed = client.get(TOKENS, headers=auth.headers(user)).json
    assert listed[0]["last_used_at"].startswith(later.isoformat()[:19])


def test_last_use_costs_no_write_within_the_minute(client, auth, make, count_queries):
    user = make.user()
    secret = new_token(client, auth, user)
    client.get("/api/v1/auth/me", headers=bearer(secret))  # records the first use
    with count_queries() as counter:
        assert client.get("/api/v1/auth/me", headers=bearer(secret)).status_code == 200
    assert not [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE")]
    assert counter.count == 1  # the token and its owner, in one statement


def test_token_requests_count_for_their_owner_in_the_per_user_limits(
    client, auth, make, rate_limits
):
    admin = make.user(role="admin")
    limit = int(rate_limits["RATELIMIT_REPORT_EMAIL"].split()[0])
    headers = auth.headers(admin)
    for _ in range(limit - 1):
        assert client.post("/api/v1/reports/email", headers=headers).status_code == 202
    secret = new_token(client, auth, admin, scopes=["admin"])
    assert client.post("/api/v1/reports/email", headers=bearer(secret)).status_code == 202
    over = client.post("/api/v1/reports/email", headers=bearer(secret))
    assert over.status_code == 429
    assert client.post("/api/v1/reports/email", headers=headers).status_code == 429


def test_openapi_documents_the_token_scheme_and_the_session_only_routes(client):
    spec = client.get("/api/v1/openapi.json").json
    schemes = spec["components"]["securitySchemes"]
    assert schemes["personalToken"]["scheme"] == "bearer"
    assert "tasks:write" in schemes["personalToken"]["description"]
    assert {"personalToken": []} in spec["security"]
    tokens = spec["paths"]["/api/v1/auth/tokens"]
    assert tokens["post"]["security"] == [{"bearerAuth": []}]
    assert tokens["get"]["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/api/v1/auth/password"]["post"]["security"] == [{"bearerAuth": []}]
    assert "security" not in spec["paths"]["/api/v1/tasks"]["post"]  # either scheme
