"""Cookie sessions: sign-in, the quiet refresh, sign-out, CSRF and the `next` check."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_jwt_extended import create_access_token, decode_token

from api.auth.models import RevokedToken
from api.tasks.models import Task, TaskStatus
from tests.factories import PASSWORD


def _set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_sign_in_sets_httponly_secure_lax_cookies_and_follows_next(web, make):
    user = make.user(role="employee")
    response = web.post(
        "/sign-in", {"login": user.username, "password": PASSWORD, "next": "/tasks?status=pending"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks?status=pending"
    cookies = _set_cookies(response)
    for name in ("access_token_cookie", "refresh_token_cookie"):
        assert "HttpOnly" in cookies[name]
        assert "Secure" in cookies[name]
        assert "SameSite=Lax" in cookies[name]
    assert decode_token(web.access)["sub"] == str(user.id)
    page = web.get("/dashboard")
    assert page.status_code == 200
    assert user.username in page.get_data(as_text=True)


def test_wrong_password_keeps_the_login_and_sets_no_session(web, make):
    user = make.user(role="employee")
    response = web.post("/sign-in", {"login": user.username, "password": "wrong-password-1"})
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "Invalid credentials." in body
    assert f'value="{user.username}"' in body
    assert "wrong-password-1" not in body
    assert web.access is None


def test_pending_account_is_told_it_waits(web, make):
    user = make.user(role="employee", status="pending")
    response = web.post("/sign-in", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "awaiting approval" in response.get_data(as_text=True)
    assert web.access is None


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/tasks",
        "/\\evil.example",
        "/api/v1/tasks",
        "/static/css/app.css",
        "/no-such-page",
        "javascript:alert(1)",
    ],
)
def test_next_only_leads_to_a_page_of_taskdesk(web, make, target):
    user = make.user(role="employee")
    response = web.post("/sign-in", {"login": user.username, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_signed_out_visitor_lands_on_sign_in_with_next_kept(web):
    response = web.get("/tasks?status=pending&page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/tasks?status%3Dpending%26page%3D2"


def test_expired_access_cookie_is_refreshed_quietly(app, web, make, db):
    user = make.user(role="employee")
    web.sign_in(user)
    old_refresh = decode_token(web.tokens["refresh_token"])
    expired = create_access_token(
        str(user.id),
        expires_delta=timedelta(seconds=-5),
        additional_claims={"rjti": old_refresh["jti"], "role": "employee"},
    )
    web.set_tokens(expired, None)
    response = web.get("/dashboard")
    assert response.status_code == 200
    cookies = _set_cookies(response)
    assert "access_token_cookie" in cookies and "refresh_token_cookie" in cookies
    assert decode_token(web.access)["sub"] == str(user.id)  # a fresh, valid access token
    spent = db.session.scalar(sa.select(RevokedToken).where(RevokedToken.jti == old_refresh["jti"]))
    assert spent is not None  # the refresh token was used up


def test_form_post_after_quiet_refresh_uses_the_form_token_it_was_rendered_with(web, make, db):
    manager = make.user(role="manager")
    task = make.task(title="Before", created_by=manager)
    web.sign_in(manager)
    rendered_with = decode_token(web.tokens["access_token"])["csrf"]
    refresh_jti = decode_token(web.tokens["refresh_token"])["jti"]
    expired = create_access_token(
        str(manager.id),
        expires_delta=timedelta(seconds=-5),
        additional_claims={"csrf": rendered_with, "rjti": refresh_jti, "role": "manager"},
    )
    web.set_tokens(expired, None)
    response = web.post(
        f"/tasks/{task.id}/status", {"status": "in_progress", "csrf_token": rendered_with}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == TaskStatus.IN_PROGRESS


def test_revoked_refresh_cookie_means_signing_in_again(web, make):
    user = make.user(role="employee")
    web.sign_in(user)
    web.post("/sign-out")
    web.set_tokens(web.tokens["access_token"], web.tokens["refresh_token"])  # replay old cookies
    response = web.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_out_revokes_both_tokens_and_clears_cookies(web, make, db):
    user = make.user(role="employee")
    web.sign_in(user)
    access = decode_token(web.tokens["access_token"])
    response = web.post("/sign-out")
    assert response.status_code == 302
    assert web.access is None
    revoked = set(db.session.scalars(sa.select(RevokedToken.jti)))
    assert {access["jti"], access["rjti"]} <= revoked


def test_state_changing_form_without_csrf_token_is_refused_and_writes_nothing(web, make, db):
    manager = make.user(role="manager")
    web.sign_in(manager)
    response = web.post("/tasks/new", {"title": "Forged", "priority": "normal"}, csrf=False)
    assert response.status_code == 403
    assert "could not be verified" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0


def test_wrong_csrf_token_is_refused(web, make, db):
    manager = make.user(role="manager")
    web.sign_in(manager)
    response = web.post("/tasks/new", {"title": "Forged", "csrf_token": "not-the-token"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0


def test_cross_origin_post_is_refused_even_with_the_token(web, make, db):
    manager = make.user(role="manager")
    web.sign_in(manager)
    response = web.post(
        "/tasks/new", {"title": "Forged"}, headers={"Origin": "http://127.0.0.1:9999"}
    )
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0


def test_sign_in_form_needs_its_own_csrf_token(web, make):
    user = make.user(role="employee")
    response = web.post("/sign-in", {"login": user.username, "password": PASSWORD}, csrf=False)
    assert response.status_code == 403
    assert web.access is None


def test_api_still_demands_csrf_for_cookie_authenticated_writes(web, make, db):
    manager = make.user(role="manager")
    web.sign_in(manager)
    refused = web.client.post("/api/v1/tasks", json={"title": "Via cookie"})
    assert refused.status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0
    accepted = web.client.post(
        "/api/v1/tasks", json={"title": "Via cookie"}, headers={"X-CSRF-TOKEN": web.csrf()}
    )
    assert accepted.status_code == 201
    assert db.session.scalar(sa.select(Task.title)) == "Via cookie"
