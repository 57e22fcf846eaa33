"""The profile page's API tokens: created with the secret shown once, listed, revoked."""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa

from api.auth.models import PersonalToken
from api.extensions import db


def _tokens() -> list[PersonalToken]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PersonalToken).order_by(PersonalToken.id)))


def test_a_token_is_created_shown_once_listed_and_revoked(browser_as, client):
    user, web = browser_as("employee")
    page = web.get("/profile")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "API tokens" in text and 'data-testid="no-tokens"' in text
    assert 'value="admin"' not in text  # not offered to non-admins

    created = web.post(
        "/profile/tokens",
        {"name": "nightly export", "scopes": ["tasks:read", "incidents:read"], "expires_in": "90"},
    )
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    secret = re.search(r'id="new-token-secret" value="(tdp_[^"]+)"', html).group(1)
    assert 'data-copy="#new-token-secret"' in html
    [token] = _tokens()
    assert token.name == "nightly export" and token.user_id == user.id
    assert token.scopes == "tasks:read incidents:read"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert created.headers["Cache-Control"] == "no-store"

    again = web.get("/profile").get_data(as_text=True)
    assert secret not in again  # shown once
    assert token.prefix in again and "nightly export" in again and "Never" in again
    api = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200

    revoked = web.post(f"/profile/tokens/{token.id}/revoke", {})
    assert revoked.status_code == 302
    assert _tokens()[0].revoked_at is not None
    assert 'data-testid="no-tokens"' in web.get("/profile").get_data(as_text=True)
    api = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401


def test_the_form_again_names_what_is_wrong(browser_as):
    _user, web = browser_as("manager")
    response = web.post("/profile/tokens", {"name": " ", "expires_in": "400"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in (
        "Enter a name for the token.",
        "Choose when the token expires.",
        "Choose at least one scope.",
    ):
        assert message in html
    refused = web.post("/profile/tokens", {"name": "x", "scopes": "admin", "expires_in": "30"})
    assert refused.status_code == 422
    assert "Only administrators may give a token the admin scope." in refused.get_data(as_text=True)
    assert _tokens() == []


def test_admins_are_offered_the_admin_scope(browser_as):
    _admin, web = browser_as("admin")
    assert 'value="admin"' in web.get("/profile").get_data(as_text=True)
