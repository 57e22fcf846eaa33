"""Matrix cases for issue 14's comments, watchers and inbox.

Rules: the members of a task's project read and post its comments and watch it (others: 404;
the manager leads both projects here); the author edits a comment (others who see it: 403);
the author, the project's lead and admins delete it. The inbox is one's own: every signed-in caller gets 200, and ids that
are not theirs change nothing. Bad input is 422 for everyone who may call the route.
"""

from __future__ import annotations

from typing import Any

from api.comments.models import TaskComment
from api.extensions import db
from api.users.models import User
from tests.route_matrix.base import Case, expect

MISSING = 999_999_999


def _comment(task_id: int, author: User, body: str) -> int:
    comment = TaskComment(task_id=task_id, author_id=author.id, body=body)
    db.session.add(comment)
    db.session.commit()
    return comment.id


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """A task of the employee's with a comment of theirs and one of the manager's; a task of
    another employee's with their comment."""
    employee, manager, other = people["employee"], people["manager"], people["other_employee"]
    col = make.project("COL", members={manager: "lead", employee: "member"})
    hid = make.project("HID", members={manager: "lead", other: "member"})
    task = make.task(assignee=employee, created_by=manager, project=col)
    hidden = make.task(assignee=other, created_by=manager, project=hid)
    return {
        "collab_task": task.id,
        "collab_hidden_task": hidden.id,
        "own_comment": _comment(task.id, employee, "Mine"),
        "managers_comment": _comment(task.id, manager, "The manager's"),
        "hidden_comment": _comment(hidden.id, other, "Not for everyone"),
        "missing_comment": MISSING,
    }


def signed_in(employee: int, manager: int, admin: int) -> dict[str, int]:
    return expect(401, 401, employee, manager, admin)


EVERYONE_200 = signed_in(200, 200, 200)
BAD = signed_in(422, 422, 422)
TASK = "/api/v1/tasks/{collab_task}"
HIDDEN = "/api/v1/tasks/{collab_hidden_task}"

COMMENTS = [
    Case("GET", TASK + "/comments", EVERYONE_200, label="visible task"),
    Case("GET", HIDDEN + "/comments", signed_in(404, 200, 200), label="others' task"),
    Case("GET", TASK + "/comments?page_size=500", BAD, label="bad page size"),
    Case("POST", TASK + "/comments", signed_in(201, 201, 201), body={"body": "Seen, **ok**."}),
    Case(
        "POST",
        HIDDEN + "/comments",
        signed_in(404, 201, 201),
        body={"body": "Seen."},
        label="others' task",
    ),
    Case("POST", TASK + "/comments", BAD, body={"body": ""}, label="empty body"),
    Case("POST", TASK + "/comments", BAD, body={"body": "x" * 10_001}, label="too long"),
    Case("POST", TASK + "/comments", BAD, body={"body": "  \n "}, label="blank body"),
    Case(
        "PATCH",
        TASK + "/comments/{own_comment}",
        signed_in(200, 403, 403),
        body={"body": "Edited"},
        label="employee's comment",
    ),
    Case(
        "PATCH",
        TASK + "/comments/{managers_comment}",
        signed_in(403, 200, 403),
        body={"body": "Edited"},
        label="manager's comment",
    ),
    Case(
        "PATCH",
        HIDDEN + "/comments/{hidden_comment}",
        signed_in(404, 403, 403),
        body={"body": "Edited"},
        label="others' task",
    ),
    Case(
        "PATCH",
        TASK + "/comments/{hidden_comment}",
        signed_in(404, 404, 404),
        body={"body": "Edited"},
        label="comment of another task",
    ),
    Case(
        "PATCH",
        TASK + "/comments/{own_comment}",
        BAD,
        body={"body": "", "author_id": 1},
        label="bad body",
    ),
    Case(
        "DELETE",
        TASK + "/comments/{own_comment}",
        signed_in(204, 204, 204),
        label="employee's comment",
    ),
    Case(
        "DELETE",
        TASK + "/comments/{managers_comment}",
        signed_in(403, 204, 204),
        label="manager's comment",
    ),
    Case(
        "DELETE",
        HIDDEN + "/comments/{hidden_comment}",
        signed_in(404, 204, 204),
        label="others' task",
    ),
    Case(
        "DELETE",
        TASK + "/comments/{missing_comment}",
        signed_in(404, 404, 404),
        label="missing",
    ),
]

WATCHERS = [
    Case("GET", TASK + "/watchers", EVERYONE_200, label="visible task"),
    Case("GET", HIDDEN + "/watchers", signed_in(404, 200, 200), label="others' task"),
    Case("PUT", TASK + "/watchers/me", EVERYONE_200, label="visible task"),
    Case("PUT", HIDDEN + "/watchers/me", signed_in(404, 200, 200), label="others' task"),
    Case("DELETE", TASK + "/watchers/me", EVERYONE_200, label="visible task"),
    Case("DELETE", HIDDEN + "/watchers/me", signed_in(404, 200, 200), label="others' task"),
]

INBOX = [
    Case("GET", "/api/v1/notifications?unread=true&page=1", EVERYONE_200),
    Case("GET", "/api/v1/notifications?unread=maybe", BAD, label="bad filter"),
    Case("GET", "/api/v1/notifications/unread-count", EVERYONE_200),
    Case("POST", "/api/v1/notifications/read", EVERYONE_200, body={"all": True}, label="all"),
    Case("POST", "/api/v1/notifications/read", EVERYONE_200, body={"ids": [1, 2]}, label="ids"),
    Case("POST", "/api/v1/notifications/read", BAD, body={}, label="neither"),
    Case("POST", "/api/v1/notifications/read", BAD, body={"ids": [0]}, label="bad id"),
    Case(
        "POST",
        "/api/v1/notifications/read",
        BAD,
        body={"ids": [1], "all": True},
        label="both",
    ),
    Case("GET", "/api/v1/notifications/preferences", EVERYONE_200),
    Case(
        "PATCH",
        "/api/v1/notifications/preferences",
        EVERYONE_200,
        body={"mentioned": "both", "commented": "off"},
    ),
    Case(
        "PATCH",
        "/api/v1/notifications/preferences",
        BAD,
        body={"mentioned": "loudly"},
        label="bad channel",
    ),
]

CASES: list[Case] = [*COMMENTS, *WATCHERS, *INBOX]
