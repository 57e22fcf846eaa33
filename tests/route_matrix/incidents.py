"""Matrix cases for the incident routes (shared/design.md §2, taskdesk issue 3).

The employee caller is the reporter of `inc_own_public` and `inc_own_restricted`, the assignee of
`inc_assigned_restricted`, and a bystander on `inc_others_public` and `inc_others_restricted`
(both reported by "other_employee", the restricted one assigned to nobody). Restricted incidents
of others answer 404 to an employee; managers and admins see everything. A malformed public id
answers 422 naming `public_id`; an unknown one 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from api.incidents.models import IncidentStatus, Visibility
from api.users.models import User
from tests.incidents import factories
from tests.route_matrix.base import Case, expect

MISSING = "00000000-0000-4000-8000-000000000000"
MALFORMED = "not-a-uuid"


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """Create one incident per relation between the employee caller and an incident."""
    employee, other = people["employee"], people["other_employee"]
    own_public = factories.incident(reporter=employee)
    own_investigating = factories.incident(reporter=employee, status=IncidentStatus.INVESTIGATING)
    own_restricted = factories.incident(reporter=employee, visibility=Visibility.RESTRICTED)
    others_public = factories.incident(reporter=other)
    others_restricted = factories.incident(reporter=other, visibility=Visibility.RESTRICTED)
    assigned_restricted = factories.incident(
        reporter=other, assignee=employee, visibility=Visibility.RESTRICTED
    )
    for incident in (own_public, others_public, others_restricted, assigned_restricted):
        factories.response(incident, other)
    assert str(uuid.UUID(MISSING)) == MISSING
    return {
        "inc_own_public": own_public.public_id,
        "inc_own_investigating": own_investigating.public_id,
        "inc_own_restricted": own_restricted.public_id,
        "inc_others_public": others_public.public_id,
        "inc_others_restricted": others_restricted.public_id,
        "inc_assigned_restricted": assigned_restricted.public_id,
        "inc_missing": MISSING,
        "inc_malformed": MALFORMED,
    }


def signed_in(employee: int, manager: int, admin: int) -> dict[str, int]:
    """A route that needs a valid token: anonymous and pending callers get 401."""
    return expect(401, 401, employee, manager, admin)


ALL = signed_in(200, 200, 200)
HIDDEN = signed_in(404, 200, 200)
MISSING_EVERYWHERE = signed_in(404, 404, 404)
MALFORMED_EVERYWHERE = signed_in(422, 422, 422)

# (placeholder, label, expectation of a read by the employee / manager / admin)
READS = [
    ("inc_own_public", "own, public", ALL),
    ("inc_own_restricted", "own, restricted", ALL),
    ("inc_others_public", "others', public", ALL),
    ("inc_others_restricted", "others', restricted", HIDDEN),
    ("inc_assigned_restricted", "assigned, restricted", ALL),
    ("inc_missing", "unknown id", MISSING_EVERYWHERE),
    ("inc_malformed", "malformed id", MALFORMED_EVERYWHERE),
]


def _created(reads: dict[str, int]) -> dict[str, int]:
    return {caller: 201 if code == 200 else code for caller, code in reads.items()}


CASES: list[Case] = [
    Case("GET", "/api/v1/incidents", ALL),
    Case("POST", "/api/v1/incidents", signed_in(201, 201, 201), body={"title": "Lift stuck"}),
    Case(
        "POST",
        "/api/v1/incidents",
        signed_in(422, 422, 422),
        body={"title": ""},
        label="empty title",
    ),
    *[
        Case("GET", f"/api/v1/incidents/{{{name}}}", reads, label=label)
        for name, label, reads in READS
    ],
    *[
        Case("GET", f"/api/v1/incidents/{{{name}}}/responses", reads, label=label)
        for name, label, reads in READS
    ],
    *[
        Case("GET", f"/api/v1/incidents/{{{name}}}/activity", reads, label=label)
        for name, label, reads in READS
    ],
    *[
        Case(
            "POST",
            f"/api/v1/incidents/{{{name}}}/responses",
            _created(reads),
            body={"body": "On it."},
            label=label,
        )
        for name, label, reads in READS
    ],
    Case(
        "POST",
        "/api/v1/incidents/{inc_others_public}/responses",
        signed_in(422, 422, 422),
        body={"body": "x" * 10_001},
        label="oversized body",
    ),
    # Edits: the reporter edits the report while it is reported; the assignee, managers and
    # admins change status, severity and assignee.
    Case(
        "PATCH",
        "/api/v1/incidents/{inc_own_public}",
        ALL,
        body={"title": "Lift stuck on floor 3"},
        label="reporter edits the title",
    ),
    Case(
        "PATCH",
        "/api/v1/incidents/{inc_own_investigating}",
        signed_in(409, 200, 200),
        body={"description": "Engineer on the way."},
        label="reporter edits after reported",
    ),
    Case(
        "PATCH",
        "/api/v1/incidents/{inc_own_public}",
        signed_in(403, 200, 200),
        body={"severity": "critical"},
        label="reporter changes severity",
    ),
    Case(
        "PATCH",
        "/api/v1/incidents/{inc_others_public}",
        signed_in(403, 200, 200),
        body={"status": "investigating"},
        label="bystander moves a public incident",
    ),
    Case(
        "PATCH",
        "/api/v1/incidents/{inc_others_restricted}",
        signed_in(404, 200, 200),
        body={"severity": "low"},
        label="others', restricted",
    ),
    Case(
        "PATCH",
        "/api/v1/incidents/{inc_assigned_restricted}",
        ALL,
        body={"status": "investigating"},
        label="assignee moves it",
    ),
    Case(
        "PATCH",
        "/api/v1/incidents/{inc_assigned_restricted}",
        signed_in(409, 409, 409),
        body={"status": "resolved"},
        label="illegal transition",
    ),
    Case(
        "PATCH",
        "/api/v1/incidents/{inc_own_public}",
        signed_in(422, 422, 422),
        body={"severity": "catastrophic"},
        label="unknown severity",
    ),
    Case(
        "PATCH",
        "/api/v1/incidents/{inc_missing}",
        MISSING_EVERYWHERE,
        body={"severity": "low"},
        label="unknown id",
    ),
    Case(
        "PATCH",
        "/api/v1/incidents/{inc_malformed}",
        MALFORMED_EVERYWHERE,
        body={"severity": "low"},
        label="malformed id",
    ),
]
