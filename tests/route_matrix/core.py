"""Matrix cases for the core routes: auth, users, tasks, stats, health, and email's routes.

Rules (shared/design.md §2): anonymous callers and pending accounts get 401 on every route that
needs a token; members of a project see its tasks (others' projects' tasks answer 404), move
those assigned to them, and its leads and managers who are members edit, assign and delete
them (tests/route_matrix/projects.py has the project roles); only admins manage users.
"""

from __future__ import annotations

from typing import Any

from api.users.models import User, UserStatus
from tests.factories import PASSWORD
from tests.route_matrix.base import Case, expect

MISSING_ID = 999_999_999
LOGIN_EMAIL = "matrix.login@example.com"
NEW_PASSWORD = "a different passphrase 42"


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """Create a registrant, a user to sign in as, and one task per assignee."""
    registrant = make.user(role="manager", status=UserStatus.PENDING)
    make.user(email=LOGIN_EMAIL)
    own_task = make.task(assignee=people["employee"], created_by=people["manager"])
    # The other employee's task is in a project the employee is not a member of (the manager
    # leads it); the employee's own task is General's (every active account is a member).
    elsewhere = make.project(
        "OTHR", members={people["other_employee"]: "member", people["manager"]: "lead"}
    )
    others_task = make.task(
        assignee=people["other_employee"], created_by=people["manager"], project=elsewhere
    )
    return {
        "employee_id": people["employee"].id,
        "other_employee_id": people["other_employee"].id,
        "admin_id": people["admin"].id,
        "registrant_id": registrant.id,
        "missing_user": MISSING_ID,
        "own_task": own_task.id,
        "others_task": others_task.id,
        "missing_task": MISSING_ID,
    }


def signed_in(employee: int, manager: int, admin: int) -> dict[str, int]:
    """A route that needs a valid token: anonymous and pending callers get 401."""
    return expect(401, 401, employee, manager, admin)


OPEN = expect(200, 200, 200, 200, 200)

AUTH = [
    Case(
        "POST",
        "/api/v1/auth/register",
        expect(202, 202, 202, 202, 202),
        body={"email": "matrix.new@example.com", "username": "matrixnew", "password": PASSWORD},
    ),
    Case(
        "POST",
        "/api/v1/auth/login",
        OPEN,
        body={"login": LOGIN_EMAIL, "password": PASSWORD},
    ),
    # Callers present access tokens: an access token is never a refresh token.
    Case("POST", "/api/v1/auth/refresh", expect(401, 401, 401, 401, 401), label="access token"),
    Case("POST", "/api/v1/auth/logout", signed_in(204, 204, 204)),
    Case("GET", "/api/v1/auth/me", signed_in(200, 200, 200)),
    Case("PATCH", "/api/v1/auth/me", signed_in(200, 200, 200), body={"notify_reports": False}),
    Case(
        "POST",
        "/api/v1/auth/password-reset",
        expect(202, 202, 202, 202, 202),
        body={"email": LOGIN_EMAIL},
    ),
    Case(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        expect(422, 422, 422, 422, 422),
        body={"token": "not-a-reset-token", "new_password": NEW_PASSWORD},
        label="forged token",
    ),
    Case(
        "POST",
        "/api/v1/auth/password",
        signed_in(200, 200, 200),
        body={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    ),
]

ADMIN_ONLY_READ = signed_in(403, 403, 200)

USERS = [
    Case("GET", "/api/v1/users", signed_in(403, 200, 200)),
    Case("GET", "/api/v1/users/pending", ADMIN_ONLY_READ),
    Case("GET", "/api/v1/users/{other_employee_id}", ADMIN_ONLY_READ, label="another user"),
    Case("GET", "/api/v1/users/{employee_id}", ADMIN_ONLY_READ, label="the employee caller"),
    Case("GET", "/api/v1/users/{missing_user}", signed_in(403, 403, 404), label="missing"),
    Case(
        "PATCH",
        "/api/v1/users/{other_employee_id}",
        signed_in(403, 403, 200),
        body={"role": "manager"},
        label="another user",
    ),
    Case(
        "PATCH",
        "/api/v1/users/{admin_id}",
        signed_in(403, 403, 409),
        body={"role": "manager"},
        label="the admin's own account",
    ),
    Case(
        "PATCH",
        "/api/v1/users/{missing_user}",
        signed_in(403, 403, 404),
        body={"status": "disabled"},
        label="missing",
    ),
    Case("DELETE", "/api/v1/users/{other_employee_id}", signed_in(403, 403, 204), label="another"),
    Case("DELETE", "/api/v1/users/{admin_id}", signed_in(403, 403, 409), label="own account"),
    Case("DELETE", "/api/v1/users/{missing_user}", signed_in(403, 403, 404), label="missing"),
    Case(
        "PUT",
        "/api/v1/users/{registrant_id}/approve",
        signed_in(403, 403, 200),
        body={"role": "employee"},
        label="pending registration",
    ),
    Case(
        "PUT",
        "/api/v1/users/{other_employee_id}/approve",
        signed_in(403, 403, 409),
        body={"role": "employee"},
        label="already active",
    ),
    Case(
        "PUT",
        "/api/v1/users/{missing_user}/approve",
        signed_in(403, 403, 404),
        body={"role": "employee"},
        label="missing",
    ),
    Case(
        "DELETE",
        "/api/v1/users/{registrant_id}/reject",
        signed_in(403, 403, 200),
        label="pending registration",
    ),
    Case(
        "DELETE",
        "/api/v1/users/{other_employee_id}/reject",
        signed_in(403, 403, 409),
        label="already active",
    ),
]

TASKS = [
    Case("GET", "/api/v1/tasks", signed_in(200, 200, 200)),
    Case("GET", "/api/v1/tasks/mine", signed_in(200, 200, 200)),
    Case("POST", "/api/v1/tasks", signed_in(403, 201, 201), body={"title": "Matrix task"}),
    Case("GET", "/api/v1/tasks/{own_task}", signed_in(200, 200, 200), label="own task"),
    Case("GET", "/api/v1/tasks/{others_task}", signed_in(404, 200, 200), label="others' task"),
    Case("GET", "/api/v1/tasks/{missing_task}", signed_in(404, 404, 404), label="missing"),
    Case(
        "PATCH",
        "/api/v1/tasks/{own_task}",
        signed_in(403, 200, 200),
        body={"priority": "high"},
        label="own task",
    ),
    Case(
        "PATCH",
        "/api/v1/tasks/{others_task}",
        signed_in(404, 200, 200),
        body={"priority": "high"},
        label="others' task",
    ),
    Case(
        "PATCH",
        "/api/v1/tasks/{missing_task}",
        signed_in(404, 404, 404),
        body={"priority": "high"},
        label="missing",
    ),
    Case("DELETE", "/api/v1/tasks/{own_task}", signed_in(403, 204, 204), label="own task"),
    Case("DELETE", "/api/v1/tasks/{others_task}", signed_in(404, 204, 204), label="others' task"),
    Case("DELETE", "/api/v1/tasks/{missing_task}", signed_in(404, 404, 404), label="missing"),
    Case(
        "PUT",
        "/api/v1/tasks/{own_task}/status",
        signed_in(200, 200, 200),
        body={"status": "in_progress"},
        label="own task",
    ),
    Case(
        "PUT",
        "/api/v1/tasks/{others_task}/status",
        signed_in(404, 200, 200),
        body={"status": "completed"},
        label="others' task",
    ),
    Case(
        "PUT",
        "/api/v1/tasks/{own_task}/assign",
        signed_in(403, 200, 200),
        body={"assignee_id": None},
        label="own task",
    ),
    Case(
        "PUT",
        "/api/v1/tasks/{others_task}/assign",
        signed_in(404, 200, 200),
        body={"assignee_id": None},
        label="others' task",
    ),
    Case(
        "PUT",
        "/api/v1/tasks/{missing_task}/assign",
        signed_in(404, 404, 404),
        body={"assignee_id": None},
        label="missing",
    ),
    Case("GET", "/api/v1/tasks/{own_task}/activity", signed_in(200, 200, 200), label="own task"),
    Case(
        "GET",
        "/api/v1/tasks/{others_task}/activity",
        signed_in(404, 200, 200),
        label="others' task",
    ),
]

OTHER = [
    Case("GET", "/api/v1/stats", signed_in(403, 200, 200)),
    Case("GET", "/api/v1/health", OPEN),
]

CASES: list[Case] = [*AUTH, *USERS, *TASKS, *OTHER]
