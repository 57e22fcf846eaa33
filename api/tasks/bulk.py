"""Bulk task changes: several tasks assigned, labelled, moved to a status, given a priority or
a deadline, or deleted, in one request (the task list's selection, POST /api/v1/tasks/bulk).

Each task goes through the single-change commands of api/tasks/service.py (update, assign,
set_status, delete), so each is checked by the same capability as a single change and writes
the same activity rows and in-app notifications. The commands for one task share one
transaction (`api.db.one_transaction`): a task takes the whole change or none of it, and a
refused task leaves the others changed. The emails of the batch are collected
(api/inbox/batch.py) and go out as one email per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from api.db import one_transaction
from api.errors import DomainError, Forbidden, Unprocessable
from api.extensions import db
from api.inbox import batch
from api.permissions import Capability, grant
from api.tasks import service
from api.tasks.queries import get_visible
from api.users.models import User

MAX_IDS = 100
EDITS = ("priority", "deadline", "labels")


class Result(StrEnum):
    """How one task of a bulk change ended."""

    UPDATED = "updated"
    DELETED = "deleted"
    NOT_FOUND = "not_found"  # the actor does not see it (or it does not exist)
    FORBIDDEN = "forbidden"  # seen, but the actor may not make this change
    CONFLICT = "conflict"  # the task refused the change (a person or label not of its project)


@dataclass(frozen=True)
class Outcome:
    """One task's result: `id`, `result`, the refusal's `message`, the `version` after."""

    id: int
    result: Result
    message: str = ""
    version: int | None = None


_BY_CODE = {404: Result.NOT_FOUND, 403: Result.FORBIDDEN}


def apply(
    *, ids: list[int], changes: dict[str, Any] | None, delete: bool, actor: User
) -> list[Outcome]:
    """Apply `changes` (TaskBulkSet's fields) to, or delete, each task of `ids` (1-100,
    repeats dropped), each in its own transaction; returns one Outcome per id, in order.

    Raises Forbidden for a disabled account, Unprocessable naming `ids` (none, more than 100)
    or `set` (neither or both of changes and delete) before anything changes.
    """
    if grant(actor, Capability.TASK_READ) is None:
        raise Forbidden(f"You may not do this ({Capability.TASK_READ.value}).")
    wanted = list(dict.fromkeys(ids))
    if not wanted or len(wanted) > MAX_IDS:
        raise Unprocessable.field("ids", "Send between 1 and 100 task ids.")
    if bool(changes) == bool(delete):
        raise Unprocessable.field("set", 'Send set (what to change) or "delete": true.')
    outcomes: list[Outcome] = []
    with batch.collecting() as collected:
        for task_id in wanted:
            try:
                with one_transaction():
                    version = _one(task_id, changes or {}, delete, actor)
            except DomainError as error:
                collected.drop()
                result = _BY_CODE.get(error.code, Result.CONFLICT)
                outcomes.append(Outcome(task_id, result, error.message))
            else:
                collected.keep()
                done = Result.DELETED if delete else Result.UPDATED
                outcomes.append(Outcome(task_id, done, version=version))
    batch.send(collected, actor=actor)
    return outcomes


def _one(task_id: int, changes: dict[str, Any], delete: bool, actor: User) -> int | None:
    """Change one task with the single-change commands (inside the caller's transaction);
    returns its version after, None when deleted."""
    if delete:
        service.delete(task_id=task_id, actor=actor)
        return None
    edits = {name: changes[name] for name in EDITS if name in changes}
    if "add_labels" in changes:
        task = get_visible(task_id, actor)
        edits["labels"] = [label.name for label in task.labels] + list(changes["add_labels"])
    task = None
    if edits:
        task = service.update(task_id=task_id, changes=edits, actor=actor, if_match=None)
    if "assignee_ids" in changes:
        task = service.assign(
            task_id=task_id,
            data={"assignee_ids": changes["assignee_ids"]},
            actor=actor,
            if_match=None,
        )
    if "status" in changes:
        task = service.set_status(
            task_id=task_id, status=changes["status"], actor=actor, if_match=None
        )
    db.session.flush()
    return task.version if task is not None else None


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    """How many tasks ended each way: {result: n} for every Result."""
    tally = {result.value: 0 for result in Result}
    for outcome in outcomes:
        tally[outcome.result.value] += 1
    return tally
