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


def _owns(actor: Actor, capability: Capability, task: Any) -> bool:
    if capability in (Capability.TASK_READ, Capability.TASK_SET_STATUS):
        return task.assignee_id is not None and task.assignee_id == actor.id
    return False


def _clause(actor_id: Any, capability: Capability) -> sa.ColumnElement[bool]:
    if capability in (Capability.TASK_READ, Capability.TASK_SET_STATUS):
        return assigned_to(actor_id)
    return sa.false()


RULE = register_rule(
    "task",
    ObjectRule(read=Capability.TASK_READ, owns=_owns, clause=_clause, not_found="Task not found."),
)
