"""Matrix cases for saved views (/api/v1/views) and the one search (/api/v1/search).

Rules: every signed-in person saves views; a private view is seen by its owner only, a view
shared with a project by whoever sees the project (members; administrators see every project);
only the owner changes or deletes a view (others who see it: 403, others: 404). Search answers
every signed-in person with what they may see. Bad input is 422 for everyone who may call.
"""

from __future__ import annotations

from typing import Any

from api.extensions import db
from api.saved_views.models import SavedView
from api.users.models import User
from tests.route_matrix.base import Case, expect


def _view(owner: User, name: str, project_id: int | None = None) -> int:
    view = SavedView(owner_id=owner.id, name=name, project_id=project_id, filters={})
    db.session.add(view)
    db.session.commit()
    return view.id


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """Project WAY (the manager leads, the employee is a member): the employee's private view,
    the manager's view shared with WAY, and another employee's private view."""
    employee, manager = people["employee"], people["manager"]
    way = make.project("WAY", members={manager: "lead", employee: "member"})
    make.project("WAYX", members={people["other_employee"]: "lead"})
    return {
        "employees_view": _view(employee, "Mine"),
        "shared_view": _view(manager, "Team", way.id),
        "others_view": _view(people["other_employee"], "Theirs"),
        "missing_view": 999_999_999,
    }


def signed_in(employee: int, manager: int, admin: int) -> dict[str, int]:
    return expect(401, 401, employee, manager, admin)


EVERYONE = signed_in(200, 200, 200)
BAD = signed_in(422, 422, 422)
V = "/api/v1/views"

VIEWS = [
    Case("GET", V, EVERYONE),
    Case(
        "POST",
        V,
        signed_in(201, 201, 201),
        body={"name": "Urgent", "filters": {"priority": ["urgent"]}},
    ),
    Case(
        "POST", V, signed_in(201, 201, 201), body={"name": "Team", "project": "WAY"}, label="shared"
    ),
    Case(
        "POST",
        V,
        signed_in(422, 422, 201),
        body={"name": "Theirs", "project": "WAYX"},
        label="a project one cannot see",
    ),
    Case("POST", V, BAD, body={"name": "x", "filters": {"colour": "red"}}, label="unknown filter"),
    Case("POST", V, BAD, body={"name": "x" * 81}, label="name too long"),
    Case("POST", V, BAD, body={"name": "x", "sort": "size"}, label="unknown sort"),
    Case("GET", V + "/{employees_view}", signed_in(200, 404, 404), label="employee's private view"),
    Case("GET", V + "/{shared_view}", EVERYONE, label="shared with WAY"),
    Case(
        "GET", V + "/{others_view}", signed_in(404, 404, 404), label="someone else's private view"
    ),
    Case("GET", V + "/{missing_view}", signed_in(404, 404, 404), label="missing"),
    Case(
        "PATCH",
        V + "/{employees_view}",
        signed_in(200, 404, 404),
        body={"name": "Renamed"},
        label="employee's",
    ),
    Case(
        "PATCH",
        V + "/{shared_view}",
        signed_in(403, 200, 403),
        body={"name": "Renamed"},
        label="manager's, shared",
    ),
    Case(
        "PATCH",
        V + "/{others_view}",
        signed_in(404, 404, 404),
        body={"name": "Renamed"},
        label="someone else's",
    ),
    Case(
        "PATCH",
        V + "/{employees_view}",
        BAD,  # the body is read first
        body={"name": ""},
        label="empty name",
    ),
    Case(
        "PATCH",
        V + "/{shared_view}",
        BAD,
        body={"filters": {"owner": [1]}},
        label="unknown filter",
    ),
    Case("DELETE", V + "/{employees_view}", signed_in(204, 404, 404), label="employee's"),
    Case("DELETE", V + "/{shared_view}", signed_in(403, 204, 403), label="manager's, shared"),
    Case("DELETE", V + "/{others_view}", signed_in(404, 404, 404), label="someone else's"),
]

SEARCH = [
    Case("GET", "/api/v1/search?q=anything", EVERYONE),
    Case("GET", "/api/v1/search?q=WAY-1", EVERYONE, label="a ref"),
    Case("GET", "/api/v1/search?q=", BAD, label="empty q"),
    Case("GET", "/api/v1/search", BAD, label="no q"),
    Case("GET", "/api/v1/search?q=to", BAD, label="no searchable word"),
    Case("GET", "/api/v1/search?q=report&page_size=500", BAD, label="page size too large"),
]

CASES = VIEWS + SEARCH
