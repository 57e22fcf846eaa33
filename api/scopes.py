"""What a personal access token may reach: its scopes, and the scopes of the request it acts in.

A token's scopes are OAuth-style names (RFC 6749 §3.3). Which scope each capability needs is
`SCOPES` in api/permissions.py, beside the grants; this module holds the names and keeps the
token's scopes for the request (set by api/guards.py, read by `api.permissions.grant`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from flask import has_request_context, request


class Scope(enum.StrEnum):
    """What a personal access token may reach (OAuth-style names, RFC 6749 §3.3)."""

    TASKS_READ = "tasks:read"
    TASKS_WRITE = "tasks:write"
    INCIDENTS_READ = "incidents:read"
    INCIDENTS_WRITE = "incidents:write"
    ADMIN = "admin"


# Scopes only holders of user.admin may give a token.
ADMIN_SCOPES = frozenset({Scope.ADMIN})
# A write scope carries its read scope: what one may change, one may see.
IMPLIED_SCOPES = {Scope.TASKS_WRITE: Scope.TASKS_READ, Scope.INCIDENTS_WRITE: Scope.INCIDENTS_READ}

# request.environ key: (user id, frozenset of Scope) while a personal access token acts.
TOKEN_SCOPES_KEY = "taskdesk.token_scopes"


def limit_to_scopes(actor_id: int, scopes: Iterable[str]) -> None:
    """Limit the person `actor_id` to `scopes` (and those they imply) for this request.

    Called by the API's guard when the request carries a personal access token. Kept in the
    WSGI environ, so it ends with the request and never reaches another one (or a job).
    """
    held = {Scope(name) for name in scopes}
    held |= {IMPLIED_SCOPES[s] for s in held if s in IMPLIED_SCOPES}
    request.environ[TOKEN_SCOPES_KEY] = (actor_id, frozenset(held))


def token_scopes(actor: Any) -> frozenset[Scope] | None:
    """The scopes `actor` is limited to in this request, or None (no personal access token)."""
    if actor is None or not has_request_context():
        return None
    held = request.environ.get(TOKEN_SCOPES_KEY)
    if held is None or held[0] != actor.id:
        return None
    return held[1]
