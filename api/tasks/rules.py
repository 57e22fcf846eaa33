"""The object rule of tasks: an employee holds a task's RULE capabilities when it is theirs.

design §2: employees see the tasks assigned to them and move their status; nothing else. The
role table is in api/permissions.py; this module says what "theirs" means, once in Python and
once in SQL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from api.permissions import Actor, Capability, ObjectRule, register_rule
from api.tasks.models import Task


def assigned_to(actor_id: Any) -> sa.ColumnElement[bool]:
    """Tasks assigned to `actor_id` (an id or a bound parameter): the employee's tasks."""
    return Task.assignee_id == actor_id


# Who sees a task may comment on it and watch it (issue 14).
_READERS = (
    Capability.TASK_READ,
    Capability.TASK_SET_STATUS,
    Capability.TASK_COMMENT,
    Capability.TASK_WATCH,
)


def _owns(actor: Actor, capability: Capability, task: Any) -> bool:
    if capability in _READERS:
        return task.assignee_id is not None and task.assignee_id == actor.id
    return False


def _clause(actor_id: Any, capability: Capability) -> sa.ColumnElement[bool]:
    if capability in _READERS:
        return assigned_to(actor_id)
    return sa.false()


RULE = register_rule(
    "task",
    ObjectRule(read=Capability.TASK_READ, owns=_owns, clause=_clause, not_found="Task not found."),
)
