"""The object rule of task comments (issue 14).

A comment is seen by whoever sees its task (the task rule, api/tasks/rules.py, through
`can`). Its author edits it; its author and whoever may edit the task (managers today, a
project's leads with projects) delete it; admins delete any (api/permissions.py GRANTS).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from api.comments.models import TaskComment
from api.permissions import Actor, Capability, ObjectRule, can, register_rule


def _owns(actor: Actor, capability: Capability, comment: Any) -> bool:
    if capability is Capability.COMMENT_READ:
        return can(actor, Capability.TASK_READ, comment.task)
    is_author = comment.author_id is not None and comment.author_id == actor.id
    if capability is Capability.COMMENT_EDIT:
        return is_author
    if capability is Capability.COMMENT_DELETE:
        return is_author or can(actor, Capability.TASK_EDIT, comment.task)
    return False


def _clause(actor_id: Any, capability: Capability) -> sa.ColumnElement[bool]:
    # Comments are listed per task, after the task's own visibility check; only authorship
    # is expressible here.
    if capability is Capability.COMMENT_EDIT:
        return TaskComment.author_id == actor_id
    return sa.false()


RULE = register_rule(
    "comment",
    ObjectRule(
        read=Capability.COMMENT_READ, owns=_owns, clause=_clause, not_found="Comment not found."
    ),
)
