"""Matrix cases for personal access tokens (/api/v1/auth/tokens).

Rules: every active person lists, creates and revokes their own tokens (token.manage); a token
of someone else answers 404 (it is not theirs to see); pending accounts and anonymous callers
401. The `admin` scope is for administrators only (422 for the others).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.auth import personal_tokens
from api.db import utcnow
from api.users.models import User
from tests.route_matrix.base import Case, expect


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """A live token of the employee caller."""
    token, _secret = personal_tokens.create(
        actor=people["employee"],
        name="matrix",
        scopes=["tasks:read"],
        expires_at=utcnow() + timedelta(days=30),
    )
    return {"employee_token": token.id}


def _body(*scopes: str) -> dict[str, Any]:
    expires = (utcnow() + timedelta(days=30)).isoformat()
    return {"name": "ci", "scopes": list(scopes), "expires_at": expires}


CASES: list[Case] = [
    Case("GET", "/api/v1/auth/tokens", expect(401, 401, 200, 200, 200)),
    Case("POST", "/api/v1/auth/tokens", expect(401, 401, 201, 201, 201), _body("tasks:read")),
    Case(
        "POST",
        "/api/v1/auth/tokens",
        expect(401, 401, 422, 422, 201),
        _body("admin"),
        label="admin scope",
    ),
    Case(
        "DELETE",
        "/api/v1/auth/tokens/{employee_token}",
        expect(401, 401, 204, 404, 404),
        label="the employee's token",
    ),
]
