"""Record and read the activity timeline."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from api.activity.models import Activity, EntityType
from api.extensions import db
from api.users.models import User


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def diff(obj: Any, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Return {field: [old, new]} for the fields of `changes` whose value differs on `obj`."""
    return {
        name: [_plain(getattr(obj, name)), _plain(new)]
        for name, new in changes.items()
        if getattr(obj, name) != new
    }


def record(
    *,
    actor: User | None,
    entity_type: EntityType,
    entity_id: int,
    action: str,
    changes: dict[str, list[Any]] | None = None,
) -> Activity:
    """Add one activity row to the current transaction; the caller commits."""
    row = Activity(
        actor_id=actor.id if actor else None,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        changes=changes or {},
    )
    db.session.add(row)
    return row


# Which EntityType an object's activity is filed under, by its table.
ENTITY_TYPES = {
    "tasks": EntityType.TASK,
    "incidents": EntityType.INCIDENT,
    "users": EntityType.USER,
}


def record_change(
    obj: Any, action: str, changes: dict[str, list[Any]] | None, actor: User | None
) -> Activity:
    """Add the activity row of one change to `obj` (a Task, Incident or User, flushed so it has
    an id) to the current transaction: `changes` is {field: [old, new]} (see `diff`).

    Raises KeyError for an object kind that keeps no timeline.
    """
    return record(
        actor=actor,
        entity_type=ENTITY_TYPES[obj.__tablename__],
        entity_id=obj.id,
        action=action,
        changes=changes,
    )


def apply(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the `values` that differ on `obj`; return them as {field: [old, new]} (`diff`)."""
    delta = diff(obj, values)
    for name in delta:
        setattr(obj, name, values[name])
    return delta


def timeline(entity_type: EntityType, entity_id: int) -> list[Activity]:
    """All activity of one object, oldest first, with the actor loaded: one statement."""
    stmt = (
        sa.select(Activity)
        .where(Activity.entity_type == entity_type, Activity.entity_id == entity_id)
        .options(joinedload(Activity.actor))
        .order_by(Activity.id)
    )
    return list(db.session.scalars(stmt))
