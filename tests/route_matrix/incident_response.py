"""Matrix cases for the incident lead, the acknowledge link and the escalation job's inputs.

The acknowledge route takes the token of an email's link; a token made for one person cannot be
written into a shared case, so these cases send broken input (every signed-in caller gets 422
naming the field) and tests/incidents/test_acknowledge_link.py covers the working link. Setting a
lead is triage: the employee caller, a bystander on `ir_public`, is refused before the lead is
looked at; managers and admins get 422 for an account that is not a manager or admin.
"""

from __future__ import annotations

from typing import Any

from api.users.models import User
from tests.incidents import factories
from tests.route_matrix.base import Case, expect

UNKNOWN_PERSON = 999_999_999


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """One public incident reported by the bystander employee, still unacknowledged."""
    incident = factories.incident(reporter=people["other_employee"], severity="critical")
    return {"ir_public": incident.public_id}


def signed_in(employee: int, manager: int, admin: int) -> dict[str, int]:
    """Anonymous and pending callers get 401."""
    return expect(401, 401, employee, manager, admin)


ACK = "/api/v1/incidents/{ir_public}/acknowledge"
CASES: list[Case] = [
    Case("POST", ACK, signed_in(422, 422, 422), body={"token": "forged"}, label="forged token"),
    Case("POST", ACK, signed_in(422, 422, 422), body={}, label="no token"),
    Case("POST", ACK, signed_in(422, 422, 422), body={"token": 7}, label="token not text"),
    Case(
        "POST",
        "/api/v1/incidents/not-a-uuid/acknowledge",
        signed_in(422, 422, 422),
        body={"token": "forged"},
        label="malformed id",
    ),
    Case(
        "PATCH",
        "/api/v1/incidents/{ir_public}",
        signed_in(403, 422, 422),
        body={"lead_id": UNKNOWN_PERSON},
        label="lead: nobody by that id",
    ),
    Case(
        "PATCH",
        "/api/v1/incidents/{ir_public}",
        signed_in(422, 422, 422),
        body={"lead_id": "the boss"},
        label="lead: not an id",
    ),
    Case("GET", "/api/v1/incidents?lead=1", signed_in(200, 200, 200), label="lead filter"),
    Case("GET", "/api/v1/incidents?lead=zero", signed_in(422, 422, 422), label="bad lead filter"),
]
