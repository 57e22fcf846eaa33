"""Turn activity rows into sentences for the timeline of a task or an incident."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from api.activity.models import Activity
from api.extensions import db
from api.users.models import User

ACTIONS = {
    "created": "created this",
    "reported": "reported this",
    "updated": "edited",
    "status_changed": "changed the status",
    "assigned": "changed the assignee",
    "lead_changed": "changed the lead",
    "escalated": "escalated it: nobody had acknowledged it",
    "responded": "responded",
    "follow_up_added": "added a follow-up task",
    "reviewed": "edited the post-incident review",
    "deleted": "deleted this",
    "commented": "commented",
    "comment_edited": "edited a comment",
    "comment_deleted": "deleted a comment",
}
FIELD_NAMES = {"assignee_id": "assignee", "lead_id": "lead"}
PEOPLE_FIELDS = ("assignee_id", "lead_id")
# Who did what when nobody did: the scheduled jobs (escalation).
SYSTEM_ACTOR = "taskdesk"
# Changes that name what was added or touched (a follow-up task's ref, the review's sections):
# no "before" to show.
ADDITIONS = {"follow_up_added", "reviewed"}
HIDDEN_FIELDS = {
    "response_id",
    "comment_id",
    "completed_at",
    "acknowledged_at",
    "resolved_at",
    "description",
}


def _names(rows: list[Activity]) -> dict[int, str]:
    ids = {
        value
        for row in rows
        for field in PEOPLE_FIELDS
        for value in (row.changes or {}).get(field, [])
        if isinstance(value, int)
    }
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids))).all())


def _nobody(row: Activity) -> str:
    """The actor shown for a row without one: the job that wrote it, or a deleted account."""
    return SYSTEM_ACTOR if row.action == "escalated" else "someone"


def describe(rows: list[Activity]) -> list[dict[str, Any]]:
    """[{"when", "actor", "action", "changes": [(field, old, new)]}] for the template.

    Assignee ids become usernames (one statement for the whole timeline); timestamps and the
    description's full text are left out of the change list (the page shows them elsewhere).
    """
    names = _names(rows)

    def show(field: str, value: Any) -> str:
        if value is None:
            return "nobody" if field in PEOPLE_FIELDS else "—"
        if field in PEOPLE_FIELDS:
            return names.get(value, f"user {value}")
        return str(value).replace("_", " ")

    items = []
    for row in rows:
        changes = [
            (FIELD_NAMES.get(field, field), show(field, pair[0]), show(field, pair[1]))
            for field, pair in (row.changes or {}).items()
            if field not in HIDDEN_FIELDS and isinstance(pair, list) and len(pair) == 2
        ]
        if row.action in ("created", "reported"):
            changes = []
        if row.action == "escalated":  # a level reached and who was told: no "before"
            changes = [(field, "", new) for field, _old, new in changes]
        if row.action in ADDITIONS:
            changes = [(f, "" if old == "—" else old, new) for f, old, new in changes]
        if row.action == "updated" and "description" in (row.changes or {}):
            changes.append(("description", "", "changed"))
        items.append(
            {
                "when": row.created_at,
                "actor": row.actor.username if row.actor else _nobody(row),
                "action": ACTIONS.get(row.action, row.action.replace("_", " ")),
                "changes": changes,
            }
        )
    return items
