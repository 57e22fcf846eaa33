"""A browser-like client for the UI: cookies from a real token pair, and the form CSRF token."""

from __future__ import annotations

from typing import Any

import pytest
from flask_jwt_extended import decode_token

from api.auth.tokens import issue_pair
from api.users.models import User


class WebClient:
    """Flask's test client holding a session's cookies, like a signed-in browser."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.test_client()
        self.tokens: dict[str, Any] | None = None

    def sign_in(self, user: User) -> WebClient:
        self.tokens = issue_pair(user)
        self.set_tokens(self.tokens["access_token"], self.tokens["refresh_token"])
        return self

    def set_tokens(self, access: str | None, refresh: str | None) -> None:
        config = self.app.config
        if access:
            self.client.set_cookie(config["JWT_ACCESS_COOKIE_NAME"], access)
        if refresh:
            self.client.set_cookie(config["JWT_REFRESH_COOKIE_NAME"], refresh)

    def cookie(self, name: str) -> str | None:
        found = self.client.get_cookie(name)
        return found.value if found else None

    @property
    def access(self) -> str | None:
        return self.cookie(self.app.config["JWT_ACCESS_COOKIE_NAME"])

    def csrf(self) -> str:
        """The value the UI renders into every form's hidden csrf_token field."""
        access = self.access
        if access:
            return decode_token(access, allow_expired=True)["csrf"]
        self.client.get("/sign-in")
        return self.cookie("taskdesk_form_csrf") or ""

    def get(self, path: str, **kwargs: Any):
        return self.client.get(path, **kwargs)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf())
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def web(app) -> WebClient:
    """A signed-out browser; call `web.sign_in(user)` to sign in."""
    return WebClient(app)


@pytest.fixture
def browser_as(app, make):
    """browser_as("manager") -> (user, WebClient signed in as a new active user of that role)."""

    def _as(role: str, **fields: Any) -> tuple[User, WebClient]:
        user = make.user(role=role, **fields)
        return user, WebClient(app).sign_in(user)

    return _as
