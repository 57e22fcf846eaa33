"""Task counters: how many tasks each (assignee, status) holds, in `task_counts`, kept in the
transaction of every change so that the stats read a few rows whatever the table's size.

Every ORM write of a task goes through one session flush, and `_count_changes` (a
`before_flush` listener) turns the flush's new, changed and deleted tasks into one multi-row
upsert of the differences: a create, a status change, an assignment, a delete, the demo seed,
whatever the path. Deleting a user (tasks.assignee_id becomes NULL in the database, ON DELETE
SET NULL) moves the user's counts to unassigned in the same flush. A bulk statement on tasks
sent through the session is followed by a recount; writes that bypass the session (bulk
INSERT … SELECT in bench/, a migration's backfill) call `recount()` afterwards.
tests/tasks/test_counters.py checks that random operations keep the counters equal to a recount.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.tasks.models import Task, TaskCount, TaskDeadlineCount, TaskStatus
from api.users.models import User

UNASSIGNED = 0  # task_counts.assignee_id of tasks nobody holds
OPEN = (TaskStatus.PENDING.value, TaskStatus.IN_PROGRESS.value)
Deltas = tuple[Counter[tuple[int, str]], Counter[tuple[int, date]]]


def _committed(state: Any, name: str) -> Any:
    """The attribute's value as the database holds it before this flush."""
    history = state.attrs[name].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(state.obj(), name) if not history.added else None


def _assignee_now(task: Task, state: Any) -> int:
    added = state.attrs.assignee.history.added
    if added:  # the relationship was set; the foreign key follows at flush
        return added[0].id if added[0] is not None else UNASSIGNED
    if state.attrs.assignee.history.deleted:
        return UNASSIGNED  # set to None
    return task.assignee_id or UNASSIGNED


def _assignee_before(state: Any) -> int:
    deleted = state.attrs.assignee_id.history.deleted
    if deleted:
        return deleted[0] or UNASSIGNED
    unchanged = state.attrs.assignee_id.history.unchanged
    if unchanged:
        return unchanged[0] or UNASSIGNED
    value = state.dict.get("assignee_id")
    return value or UNASSIGNED


def _key(assignee: Any, status: Any) -> tuple[int, str]:
    return (assignee or UNASSIGNED, TaskStatus(status or TaskStatus.PENDING).value)


def _day(key: tuple[int, str], deadline: datetime | None) -> tuple[int, date] | None:
    """The task_deadline_counts key of an open task with a deadline, else None."""
    if deadline is None or key[1] not in OPEN:
        return None
    return (key[0], deadline.astimezone(UTC).date())


def _deltas(session: Session) -> Deltas:
    delta: Counter[tuple[int, str]] = Counter()
    days: Counter[tuple[int, date]] = Counter()

    def move(before: Any, after: Any, counter: Counter[Any]) -> None:
        if before != after:
            if before is not None:
                counter[before] -= 1
            if after is not None:
                counter[after] += 1

    for obj in session.new:
        if isinstance(obj, Task):
            state = sa.inspect(obj)
            key = _key(_assignee_now(obj, state), obj.status)
            move(None, key, delta)
            move(None, _day(key, obj.deadline), days)
    for obj in session.dirty:
        if isinstance(obj, Task):
            state = sa.inspect(obj)
            before = _key(_assignee_before(state), _committed(state, "status"))
            after = _key(_assignee_now(obj, state), obj.status)
            move(before, after, delta)
            move(_day(before, _committed(state, "deadline")), _day(after, obj.deadline), days)
    for obj in session.deleted:
        if isinstance(obj, Task):
            state = sa.inspect(obj)
            before = _key(_assignee_before(state), _committed(state, "status"))
            move(before, None, delta)
            move(_day(before, _committed(state, "deadline")), None, days)
    gone = [obj.id for obj in session.deleted if isinstance(obj, User) and obj.id]
    if gone:
        rows = session.execute(
            sa.select(TaskCount.assignee_id, TaskCount.status, TaskCount.n).where(
                TaskCount.assignee_id.in_(gone), TaskCount.n != 0
            )
        )
        for assignee, status, n in rows:
            delta[(assignee, TaskStatus(status).value)] -= n
            delta[(UNASSIGNED, TaskStatus(status).value)] += n
        rows = session.execute(
            sa.select(
                TaskDeadlineCount.assignee_id, TaskDeadlineCount.day, TaskDeadlineCount.n
            ).where(TaskDeadlineCount.assignee_id.in_(gone), TaskDeadlineCount.n != 0)
        )
        for assignee, day, n in rows:
            days[(assignee, day)] -= n
            days[(UNASSIGNED, day)] += n
    return delta, days


def _upsert(session: Session, table: sa.Table, keys: list[str], values: list[dict]) -> None:
    if session.get_bind().dialect.name == "sqlite":
        stmt = sqlite_insert(table).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={"n": table.c.n + stmt.excluded.n}
        )
    else:
        stmt = mysql_insert(table).values(values)
        stmt = stmt.on_duplicate_key_update(n=table.c.n + stmt.inserted.n)
    session.execute(stmt)


def apply(
    session: Session,
    delta: Counter[tuple[int, str]],
    days: Counter[tuple[int, date]] | None = None,
) -> None:
    """Add `delta` ((assignee id or 0, status value) -> change) to task_counts and `days`
    ((assignee id or 0, UTC day) -> change) to task_deadline_counts: one upsert each."""
    values = [{"assignee_id": a, "status": s, "n": n} for (a, s), n in delta.items() if n]
    if values:
        _upsert(session, TaskCount.__table__, ["assignee_id", "status"], values)
    dated = [{"assignee_id": a, "day": d, "n": n} for (a, d), n in (days or {}).items() if n]
    if dated:
        _upsert(session, TaskDeadlineCount.__table__, ["assignee_id", "day"], dated)


def _count_changes(session: Session, _context: Any, _instances: Any) -> None:
    delta, days = _deltas(session)
    if delta or days:
        apply(session, delta, days)


def _recount_after_bulk(state: Any) -> Any:
    """A bulk UPDATE / DELETE / INSERT of tasks through the session (no flush sees its rows):
    run it, then recount in the same transaction. taskdesk's own writes never take this path;
    it keeps scripts and tests honest."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return None
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, Task):
        return None
    result = state.invoke_statement()
    recount(state.session)
    return result


def install(session: Any) -> None:
    """Keep the counters with every flush of `session` (the Flask-SQLAlchemy scoped session),
    and with bulk statements on tasks sent through it."""
    if not sa.event.contains(session, "before_flush", _count_changes):
        sa.event.listen(session, "before_flush", _count_changes)
        sa.event.listen(session, "do_orm_execute", _recount_after_bulk)


def recount(session: Session) -> None:
    """Rebuild the counters from the tasks table (after writes that bypass the ORM); the
    caller commits. Four statements and two scans of tasks."""
    session.execute(sa.delete(TaskCount))
    session.execute(sa.delete(TaskDeadlineCount))
    assignee = sa.func.coalesce(Task.assignee_id, UNASSIGNED)
    session.execute(
        sa.insert(TaskDeadlineCount).from_select(
            ["assignee_id", "day", "n"],
            sa.select(assignee, sa.func.date(Task.deadline), sa.func.count())
            .where(Task.deadline.is_not(None), Task.status.in_(OPEN))
            .group_by(assignee, sa.func.date(Task.deadline)),
        )
    )
    session.execute(
        sa.insert(TaskCount).from_select(
            ["assignee_id", "status", "n"],
            sa.select(
                sa.func.coalesce(Task.assignee_id, UNASSIGNED), Task.status, sa.func.count()
            ).group_by(sa.func.coalesce(Task.assignee_id, UNASSIGNED), Task.status),
        )
    )


def counted(session: Session) -> dict[tuple[int, str], int]:
    """The counters, without zeros: {(assignee id or 0, status value): n}."""
    return {
        (a, TaskStatus(s).value): n
        for a, s, n in session.execute(
            sa.select(TaskCount.assignee_id, TaskCount.status, TaskCount.n)
        )
        if n
    }


def actual(session: Session) -> dict[tuple[int, str], int]:
    """What a recount would find: {(assignee id or 0, status value): n} (a scan; tests)."""
    rows = session.execute(
        sa.select(Task.assignee_id, Task.status, sa.func.count()).group_by(
            Task.assignee_id, Task.status
        )
    )
    return {(a or UNASSIGNED, TaskStatus(s).value): n for a, s, n in rows}


def counted_days(session: Session) -> dict[tuple[int, str], int]:
    """task_deadline_counts without zeros: {(assignee id or 0, "YYYY-MM-DD"): n}."""
    rows = session.execute(
        sa.select(TaskDeadlineCount.assignee_id, TaskDeadlineCount.day, TaskDeadlineCount.n)
    )
    return {(a, str(d)): n for a, d, n in rows if n}


def actual_days(session: Session) -> dict[tuple[int, str], int]:
    """What a recount of task_deadline_counts would find (a scan; tests)."""
    found: Counter[tuple[int, str]] = Counter()
    for a, s, deadline in session.execute(
        sa.select(Task.assignee_id, Task.status, Task.deadline).where(Task.deadline.is_not(None))
    ):
        if TaskStatus(s).value in OPEN:
            found[(a or UNASSIGNED, str(deadline.astimezone(UTC).date()))] += 1
    return dict(found)
