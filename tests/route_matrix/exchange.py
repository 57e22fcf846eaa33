"""Matrix cases for the CSV export and import routes and the calendar feed URL.

The import runs in the projects of tests/route_matrix/projects.py: the employee leads LEAD, the
manager is a member there; neither is a member of OUTS. A request without a file answers 422
once the caller may import (the file is checked after the project and the caller's rights).
"""

from __future__ import annotations

from typing import Any

from api.users.models import User
from tests.route_matrix.base import Case, expect


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """Nothing of its own: the projects module builds LEAD and OUTS."""
    return {}


def signed_in(employee: int, manager: int, admin: int) -> dict[str, int]:
    return expect(401, 401, employee, manager, admin)


CASES = [
    Case("GET", "/api/v1/tasks/export.csv", signed_in(200, 200, 200)),
    Case("GET", "/api/v1/incidents/export.csv", signed_in(200, 200, 200)),
    Case("GET", "/api/v1/incidents/export.csv?scope=all", signed_in(403, 200, 200), label="all"),
    Case("POST", "/api/v1/projects/LEAD/import", signed_in(422, 403, 422), label="no file"),
    Case("POST", "/api/v1/projects/OUTS/import", signed_in(404, 404, 422), label="outsider"),
    Case("POST", "/api/v1/auth/me/calendar-token", signed_in(201, 201, 201)),
    Case("DELETE", "/api/v1/auth/me/calendar-token", signed_in(204, 204, 204)),
]
