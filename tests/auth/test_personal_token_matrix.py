"""Every API route answers an administrator's personal access token holding every scope as it
answers their access token, except the routes tokens may not use (403 naming why).

This is the role x route matrix (tests/route_matrix) run once more for the admin caller, with a
`tdp_` token instead of a JWT: the token check plugs in where the API finds the caller, so no
route needs to know about tokens.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.auth import personal_tokens
from api.db import utcnow
from tests.route_matrix.base import Case
from tests.test_route_matrix import CASES, _case_id, people, world  # noqa: F401  (fixtures)

EVERY_SCOPE = ["tasks:write", "incidents:write", "admin"]
# Routes a token may not use: its own management, the password, the session, the profile and
# the in-app inbox (no scope reaches them).
REFUSED = (
    ("GET", "/api/v1/auth/tokens"),
    ("POST", "/api/v1/auth/tokens"),
    ("DELETE", "/api/v1/auth/tokens/"),
    ("POST", "/api/v1/auth/password"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/refresh"),
    ("PATCH", "/api/v1/auth/me"),
    # the calendar URL is a credential of its own: a token may not mint or revoke one
    ("POST", "/api/v1/auth/me/calendar-token"),
    ("DELETE", "/api/v1/auth/me/calendar-token"),
    *((method, "/api/v1/notifications") for method in ("GET", "POST", "PUT", "PATCH", "DELETE")),
)
PUBLIC = ("/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/password-reset")


def _expected(case: Case, path: str) -> int:
    admin = case.expect["admin"]
    if path.startswith(PUBLIC):
        return admin  # no token needed
    if any(case.method == method and path.startswith(prefix) for method, prefix in REFUSED):
        return 403
    return admin  # the cron jobs included: a user's token of either kind is 401 there


@pytest.mark.parametrize(("domain", "case"), CASES, ids=[_case_id(d, c) for d, c in CASES])
def test_route_with_a_personal_token(
    client,
    people,  # noqa: F811  (the matrix's fixture)
    world,  # noqa: F811  (the matrix's fixture)
    domain: str,
    case: Case,
) -> None:
    _token, secret = personal_tokens.create(
        actor=people["admin"],
        name="every scope",
        scopes=EVERY_SCOPE,
        expires_at=utcnow() + timedelta(days=1),
    )
    path = case.path.format(**world)
    response = client.open(
        path, method=case.method, json=case.body, headers={"Authorization": f"Bearer {secret}"}
    )
    expected = _expected(case, path)
    assert response.status_code == expected, (
        f"{case.method} {path}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    )
