"""Matrix cases for incident follow-ups and the post-incident review.

The employee caller is the assignee of `ir_assigned` (so they may add follow-ups to it) and a
bystander on `ir_others` (403); `ir_hidden` is restricted and not theirs (404). In project RVW
the employee and the manager are leads; in RVV the manager only views (task.create refused:
403); RVH has no member but admins see it (others: 422 naming `project`). The review is written
by managers and admins once the incident is resolved (409 before).
"""

from __future__ import annotations

from typing import Any

from api.incidents.models import IncidentStatus, Visibility
from api.users.models import User
from tests.incidents import factories
from tests.route_matrix.base import Case, expect


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """Three projects and four incidents (see the module docstring)."""
    employee, manager, other = people["employee"], people["manager"], people["other_employee"]
    make.project("RVW", members={employee: "lead", manager: "lead"})
    make.project("RVV", members={employee: "lead", manager: "viewer"})
    make.project("RVH")
    assigned = factories.incident(
        reporter=other, assignee=employee, status=IncidentStatus.INVESTIGATING
    )
    others = factories.incident(reporter=other, status=IncidentStatus.INVESTIGATING)
    hidden = factories.incident(
        reporter=other, visibility=Visibility.RESTRICTED, status=IncidentStatus.RESOLVED
    )
    resolved = factories.incident(reporter=other, status=IncidentStatus.RESOLVED)
    return {
        "ir_assigned": assigned.public_id,
        "ir_others": others.public_id,
        "ir_hidden": hidden.public_id,
        "ir_resolved": resolved.public_id,
    }


def signed_in(employee: int, manager: int, admin: int) -> dict[str, int]:
    return expect(401, 401, employee, manager, admin)


ALL = signed_in(200, 200, 200)
HIDDEN = signed_in(404, 200, 200)
BAD = signed_in(422, 422, 422)
BASE = "/api/v1/incidents/"


def _follow_up(project: str) -> dict[str, str]:
    return {"title": "Follow up", "project": project}


CASES = [
    Case("GET", BASE + "{ir_assigned}/follow-ups", ALL),
    Case("GET", BASE + "{ir_hidden}/follow-ups", HIDDEN, label="restricted"),
    Case("GET", BASE + "not-a-uuid/follow-ups", BAD, label="malformed id"),
    Case(
        "POST",
        BASE + "{ir_assigned}/follow-ups",
        signed_in(201, 201, 201),
        body=_follow_up("RVW"),
        label="assignee",
    ),
    Case(
        "POST",
        BASE + "{ir_others}/follow-ups",
        signed_in(403, 201, 201),
        body=_follow_up("RVW"),
        label="bystander",
    ),
    Case(
        "POST",
        BASE + "{ir_hidden}/follow-ups",
        signed_in(404, 201, 201),
        body=_follow_up("RVW"),
        label="restricted",
    ),
    Case(
        "POST",
        BASE + "{ir_assigned}/follow-ups",
        signed_in(201, 403, 201),
        body=_follow_up("RVV"),
        label="project the manager only views",
    ),
    Case(
        "POST",
        BASE + "{ir_assigned}/follow-ups",
        signed_in(422, 422, 201),
        body=_follow_up("RVH"),
        label="project they are not in",
    ),
    Case(
        "POST",
        BASE + "{ir_assigned}/follow-ups",
        BAD,
        body={"project": "RVW", "incident": 1},
        label="bad body",
    ),
    Case("GET", BASE + "{ir_resolved}/review", ALL),
    Case("GET", BASE + "{ir_hidden}/review", HIDDEN, label="restricted"),
    Case(
        "PATCH",
        BASE + "{ir_resolved}/review",
        signed_in(403, 200, 200),
        body={"summary": "What happened"},
    ),
    Case(
        "PATCH",
        BASE + "{ir_hidden}/review",
        signed_in(404, 200, 200),
        body={"summary": "What happened"},
        label="restricted",
    ),
    Case(
        "PATCH",
        BASE + "{ir_others}/review",
        signed_in(403, 409, 409),
        body={"summary": "Too soon"},
        label="not resolved",
    ),
    Case("PATCH", BASE + "{ir_resolved}/review", BAD, body={"done": "perhaps"}, label="bad"),
    Case("GET", BASE + "{ir_resolved}/review.md", ALL),
    Case("GET", BASE + "{ir_hidden}/review.md", HIDDEN, label="restricted"),
]
