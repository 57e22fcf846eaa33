"""Matrix cases for the project routes, and the task routes inside projects (issue 14).

The callers hold a different project role in each project:

| project | employee | manager | other_employee |
|---|---|---|---|
| LEAD | lead | member | member |
| MEMB | member | lead | member |
| VIEW | viewer | viewer | lead |
| OUTS | - | - | lead |

Non-members get 404 for a project and everything in it; members of any role read; leads edit,
archive and manage members and labels; leads and managers who are members (not viewers)
create, edit, assign and delete tasks; administrators do everything everywhere.
"""

from __future__ import annotations

from typing import Any

from api.users.models import User
from tests.route_matrix.base import Case, expect


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """Four projects with the roles of the table above, a label and a task in each."""
    employee, manager, other = people["employee"], people["manager"], people["other_employee"]
    roles = {
        "LEAD": {employee: "lead", manager: "member", other: "member"},
        "MEMB": {employee: "member", manager: "lead", other: "member"},
        "VIEW": {employee: "viewer", manager: "viewer", other: "lead"},
        "OUTS": {other: "lead"},
    }
    values: dict[str, Any] = {}
    for key, members in roles.items():
        project = make.project(key, members=members)
        name = key.lower()
        values[f"{name}_label"] = make.label(project, f"{name}-label").id
        assignee = employee if key == "MEMB" else other
        values[f"{name}_task"] = make.task(project=project, assignee=assignee).id
    return values


def signed_in(employee: int, manager: int, admin: int) -> dict[str, int]:
    return expect(401, 401, employee, manager, admin)


P = "/api/v1/projects"
T = "/api/v1/tasks"

CASES = [
    Case("GET", P, signed_in(200, 200, 200)),
    Case("POST", P, signed_in(403, 201, 201), body={"key": "NEWP", "name": "New"}),
    Case("GET", f"{P}/LEAD", signed_in(200, 200, 200), label="member"),
    Case("GET", f"{P}/VIEW", signed_in(200, 200, 200), label="viewer"),
    Case("GET", f"{P}/OUTS", signed_in(404, 404, 200), label="non-member"),
    Case("PATCH", f"{P}/LEAD", signed_in(200, 403, 200), body={"name": "R"}, label="lead"),
    Case("PATCH", f"{P}/MEMB", signed_in(403, 200, 200), body={"name": "R"}, label="member"),
    Case("PATCH", f"{P}/OUTS", signed_in(404, 404, 200), body={"name": "R"}, label="outsider"),
    Case("POST", f"{P}/LEAD/archive", signed_in(200, 403, 200), label="lead"),
    Case("POST", f"{P}/VIEW/archive", signed_in(403, 403, 200), label="viewer"),
    Case("POST", f"{P}/OUTS/archive", signed_in(404, 404, 200), label="outsider"),
    Case("POST", f"{P}/MEMB/unarchive", signed_in(403, 200, 200), label="member"),
    Case("POST", f"{P}/OUTS/unarchive", signed_in(404, 404, 200), label="outsider"),
    Case("GET", f"{P}/VIEW/members", signed_in(200, 200, 200), label="viewer"),
    Case("GET", f"{P}/OUTS/members", signed_in(404, 404, 200), label="outsider"),
    Case(
        "PUT",
        f"{P}/LEAD/members/{{other_employee_id}}",
        signed_in(200, 403, 200),
        body={"role": "viewer"},
        label="lead",
    ),
    Case(
        "PUT",
        f"{P}/VIEW/members/{{employee_id}}",
        signed_in(403, 403, 200),
        body={"role": "member"},
        label="viewer",
    ),
    Case(
        "PUT",
        f"{P}/OUTS/members/{{employee_id}}",
        signed_in(404, 404, 200),
        body={"role": "member"},
        label="outsider",
    ),
    Case("DELETE", f"{P}/LEAD/members/{{other_employee_id}}", signed_in(204, 403, 204)),
    Case(
        "DELETE",
        f"{P}/MEMB/members/{{other_employee_id}}",
        signed_in(403, 204, 204),
        label="member",
    ),
    Case(
        "DELETE",
        f"{P}/OUTS/members/{{other_employee_id}}",
        signed_in(404, 404, 409),
        label="outsider: the last lead stays",
    ),
    Case("GET", f"{P}/VIEW/labels", signed_in(200, 200, 200), label="viewer"),
    Case("GET", f"{P}/OUTS/labels", signed_in(404, 404, 200), label="outsider"),
    Case(
        "POST",
        f"{P}/LEAD/labels",
        signed_in(201, 403, 201),
        body={"name": "new", "color": "#112233"},
    ),
    Case(
        "POST",
        f"{P}/OUTS/labels",
        signed_in(404, 404, 201),
        body={"name": "new"},
        label="outsider",
    ),
    Case(
        "PATCH",
        f"{P}/LEAD/labels/{{lead_label}}",
        signed_in(200, 403, 200),
        body={"color": "#000000"},
    ),
    Case(
        "PATCH",
        f"{P}/OUTS/labels/{{outs_label}}",
        signed_in(404, 404, 200),
        body={"color": "#000000"},
        label="outsider",
    ),
    Case("DELETE", f"{P}/MEMB/labels/{{memb_label}}", signed_in(403, 204, 204)),
    Case("DELETE", f"{P}/OUTS/labels/{{outs_label}}", signed_in(404, 404, 204), label="out"),
    # tasks inside projects
    Case("POST", T, signed_in(201, 201, 201), body={"title": "x", "project": "LEAD"}, label="LEAD"),
    Case("POST", T, signed_in(403, 403, 201), body={"title": "x", "project": "VIEW"}, label="VIEW"),
    Case("POST", T, signed_in(422, 422, 201), body={"title": "x", "project": "OUTS"}, label="OUTS"),
    Case("GET", f"{T}/{{view_task}}", signed_in(200, 200, 200), label="viewer"),
    Case("GET", f"{T}/{{outs_task}}", signed_in(404, 404, 200), label="outsider"),
    Case("PATCH", f"{T}/{{lead_task}}", signed_in(200, 200, 200), body={"title": "R"}, label="L"),
    Case("PATCH", f"{T}/{{view_task}}", signed_in(403, 403, 200), body={"title": "R"}, label="V"),
    Case(
        "PATCH",
        f"{T}/{{memb_task}}",
        signed_in(403, 200, 200),
        body={"project": "LEAD"},
        label="move MEMB to LEAD: lead rights in both",
    ),
    Case(
        "PUT",
        f"{T}/{{memb_task}}/status",
        signed_in(200, 200, 200),
        body={"status": "completed"},
        label="member and assignee",
    ),
    Case(
        "PUT",
        f"{T}/{{view_task}}/status",
        signed_in(403, 403, 200),
        body={"status": "completed"},
        label="viewer",
    ),
    Case(
        "PUT",
        f"{T}/{{lead_task}}/assign",
        signed_in(200, 200, 200),
        body={"assignee_ids": []},
        label="lead; manager member",
    ),
    Case("DELETE", f"{T}/{{view_task}}", signed_in(403, 403, 204), label="viewer"),
    Case("DELETE", f"{T}/{{outs_task}}", signed_in(404, 404, 204), label="outsider"),
    Case("GET", f"{T}?project=OUTS", signed_in(200, 200, 200), label="filter by project"),
]
