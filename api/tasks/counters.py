"""Task counters: how many tasks each project holds per status, in all and per assignee, in
`task_counts`, and how many open tasks fall due on each UTC day, in `task_deadline_counts`;
kept in the transaction of every change so that the stats read a few rows whatever the
table's size.

A task in state (project, status, deadline, assignees) contributes 1 to (project, 0, status)
and 1 to (project, user, status) for each assignee; an open task with a deadline likewise to
(project, 0, day) and (project, user, day). Every ORM write of a task goes through one session
flush, and `_count_changes` (a `before_flush` listener) compares the contributions of the
flush's new, changed and deleted tasks (and of task_assignees rows added or removed on their
own) before and after, and writes the differences as one multi-row upsert per table.
Deleting a user drops their rows (task_assignees cascade in the database). A bulk statement
on tasks or task_assignees sent through the session is followed by a recount; writes that
bypass the session (bulk INSERT … SELECT in bench/, a migration's backfill) call `recount()`
afterwards. tests/tasks/test_counters.py checks that random operations keep the counters
equal to a recount.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.tasks.models import Task, TaskAssignee, TaskCount, TaskDeadlineCount, TaskStatus
from api.users.models import User

EVERY_TASK = 0  # assignee_id of the rows that count every task, assigned or not
NO_PROJECT = 0  # project_id of tasks without a project (General's)
UNASSIGNED = EVERY_TASK  # older name
OPEN = (TaskStatus.PENDING.value, TaskStatus.IN_PROGRESS.value)
Key = tuple[int, int, str]
DayKey = tuple[int, int, date]
Deltas = tuple[Counter[Key], Counter[DayKey]]
State = tuple[int, str, datetime | None, frozenset[int]]


def _committed(state: Any, name: str) -> Any:
    """The attribute's value as the database holds it before this flush."""
    history = state.attrs[name].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(state.obj(), name) if not history.added else None


def _project_now(task: Task, state: Any) -> int:
    added = state.attrs.project.history.added
    if added:  # the relationship was set; the foreign key follows at flush
        return added[0].id if added[0] is not None else NO_PROJECT
    return task.project_id or NO_PROJECT


def _status(value: Any) -> str:
    return TaskStatus(value or TaskStatus.PENDING).value


def _contribution(task_state: State, counts: Counter[Key], days: Counter[DayKey], sign: int):
    project, status, deadline, assignees = task_state
    people = (EVERY_TASK, *assignees)
    for person in people:
        counts[(project, person, status)] += sign
    if deadline is not None and status in OPEN:
        day = deadline.astimezone(UTC).date() if deadline.tzinfo else deadline.date()
        for person in people:
            days[(project, person, day)] += sign


def _stored_assignees(session: Session, task_ids: list[int]) -> dict[int, frozenset[int]]:
    """{task id: its assignees as the database holds them} (one statement)."""
    found: dict[int, set[int]] = {task_id: set() for task_id in task_ids}
    if task_ids:
        for task_id, user_id in session.execute(
            sa.select(TaskAssignee.task_id, TaskAssignee.user_id).where(
                TaskAssignee.task_id.in_(task_ids)
            )
        ):
            found[task_id].add(user_id)
    return {task_id: frozenset(users) for task_id, users in found.items()}


def _links(state: Any) -> tuple[frozenset[int], frozenset[int]] | None:
    """(before, after) assignee ids when the task's assignee_links were loaded, else None."""
    if "assignee_links" not in state.dict and not state.attrs.assignee_links.history.added:
        return None
    history = state.attrs.assignee_links.history
    kept = [link.user_id for link in history.unchanged or ()]
    before = frozenset(kept + [link.user_id for link in history.deleted or ()])
    after = frozenset(kept + [link.user_id or link.user.id for link in history.added or ()])
    return before, after


def _deltas(session: Session) -> Deltas:
    counts: Counter[Key] = Counter()
    days: Counter[DayKey] = Counter()
    handled: set[int] = set()
    pending: list[tuple[Task, Any, bool]] = []  # tasks whose assignees we must read
    for obj in session.new:
        if isinstance(obj, Task):
            state = sa.inspect(obj)
            links = _links(state)
            after = links[1] if links else frozenset()
            now = (_project_now(obj, state), _status(obj.status), obj.deadline, after)
            _contribution(now, counts, days, +1)
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, Task) or obj.id is None:
            continue
        state = sa.inspect(obj)
        deleted = obj in session.deleted
        handled.add(obj.id)
        links = _links(state)
        before_core = (
            _committed(state, "project_id") or NO_PROJECT,
            _status(_committed(state, "status")),
            _committed(state, "deadline"),
        )
        after_core = (_project_now(obj, state), _status(obj.status), obj.deadline)
        if links is None:
            if not deleted and before_core == after_core:
                continue
            pending.append((obj, state, deleted))
            continue
        _contribution((*before_core, links[0]), counts, days, -1)
        if not deleted:
            _contribution((*after_core, links[1]), counts, days, +1)
    if pending:
        stored = _stored_assignees(session, [task.id for task, _, _ in pending])
        for task, state, deleted in pending:
            people = stored[task.id]
            before = (
                _committed(state, "project_id") or NO_PROJECT,
                _status(_committed(state, "status")),
                _committed(state, "deadline"),
                people,
            )
            _contribution(before, counts, days, -1)
            if not deleted:
                now = (_project_now(task, state), _status(task.status), task.deadline, people)
                _contribution(now, counts, days, +1)
    # task_assignees rows added or removed on their own (not through a handled task's links)
    for sign, objs in ((+1, session.new), (-1, session.deleted)):
        for link in objs:
            if not isinstance(link, TaskAssignee) or link.task_id is None:
                continue
            if link.task_id in handled:
                continue
            task = session.get(Task, link.task_id)
            if (
                task is None
                or task in session.new
                or sa.inspect(task).attrs.assignee_links.history.has_changes()
            ):
                continue
            person = link.user_id
            project, status = task.project_id or NO_PROJECT, _status(task.status)
            counts[(project, person, status)] += sign
            if task.deadline is not None and status in OPEN:
                days[(project, person, task.deadline.astimezone(UTC).date())] += sign
    return counts, days


def _forget_users(session: Session) -> None:
    gone = [obj.id for obj in session.deleted if isinstance(obj, User) and obj.id]
    if gone:
        session.execute(sa.delete(TaskCount).where(TaskCount.assignee_id.in_(gone)))
        session.execute(sa.delete(TaskDeadlineCount).where(TaskDeadlineCount.assignee_id.in_(gone)))


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
    delta: Counter[Key],
    days: Counter[DayKey] | None = None,
) -> None:
    """Add `delta` ((project id or 0, assignee id or 0 for all, status value) -> change) to
    task_counts and `days` ((project, assignee, UTC day) -> change) to task_deadline_counts:
    one upsert each."""
    values = [
        {"project_id": p, "assignee_id": a, "status": s, "n": n}
        for (p, a, s), n in delta.items()
        if n
    ]
    if values:
        _upsert(session, TaskCount.__table__, ["project_id", "assignee_id", "status"], values)
    dated = [
        {"project_id": p, "assignee_id": a, "day": d, "n": n}
        for (p, a, d), n in (days or {}).items()
        if n
    ]
    if dated:
        _upsert(session, TaskDeadlineCount.__table__, ["project_id", "assignee_id", "day"], dated)


def _count_changes(session: Session, _context: Any, _instances: Any) -> None:
    delta, days = _deltas(session)
    if delta or days:
        apply(session, delta, days)
    _forget_users(session)


def _recount_after_bulk(state: Any) -> Any:
    """A bulk UPDATE / DELETE / INSERT of tasks or task_assignees through the session (no
    flush sees its rows): run it, then recount in the same transaction (a scan: rare writes
    only, such as removing a project member)."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return None
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, (Task, TaskAssignee)):
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


def _per_task_and_assignee() -> sa.Subquery:
    """(project, assignee or 0, status, deadline) once per task and once per assignee."""
    project = sa.func.coalesce(Task.project_id, NO_PROJECT)
    every = sa.select(
        project.label("project_id"),
        sa.literal(EVERY_TASK).label("assignee_id"),
        Task.status.label("status"),
        Task.deadline.label("deadline"),
    )
    each = sa.select(
        project.label("project_id"),
        TaskAssignee.user_id.label("assignee_id"),
        Task.status.label("status"),
        Task.deadline.label("deadline"),
    ).join(TaskAssignee, TaskAssignee.task_id == Task.id)
    return sa.union_all(every, each).subquery()


def recount(session: Session) -> None:
    """Rebuild the counters from tasks and task_assignees (after writes that bypass the ORM);
    the caller commits. Four statements, two scans."""
    session.execute(sa.delete(TaskCount))
    session.execute(sa.delete(TaskDeadlineCount))
    rows = _per_task_and_assignee()
    session.execute(
        sa.insert(TaskDeadlineCount).from_select(
            ["project_id", "assignee_id", "day", "n"],
            sa.select(
                rows.c.project_id,
                rows.c.assignee_id,
                sa.func.date(rows.c.deadline),
                sa.func.count(),
            )
            .where(rows.c.deadline.is_not(None), rows.c.status.in_(OPEN))
            .group_by(rows.c.project_id, rows.c.assignee_id, sa.func.date(rows.c.deadline)),
        )
    )
    session.execute(
        sa.insert(TaskCount).from_select(
            ["project_id", "assignee_id", "status", "n"],
            sa.select(
                rows.c.project_id, rows.c.assignee_id, rows.c.status, sa.func.count()
            ).group_by(rows.c.project_id, rows.c.assignee_id, rows.c.status),
        )
    )


def counted(session: Session) -> dict[Key, int]:
    """The counters, without zeros: {(project or 0, assignee or 0, status value): n}."""
    return {
        (p, a, TaskStatus(s).value): n
        for p, a, s, n in session.execute(
            sa.select(TaskCount.project_id, TaskCount.assignee_id, TaskCount.status, TaskCount.n)
        )
        if n
    }


def actual(session: Session) -> dict[Key, int]:
    """What a recount would find: {(project or 0, assignee or 0, status value): n} (a scan;
    tests)."""
    rows = _per_task_and_assignee()
    found = session.execute(
        sa.select(rows.c.project_id, rows.c.assignee_id, rows.c.status, sa.func.count()).group_by(
            rows.c.project_id, rows.c.assignee_id, rows.c.status
        )
    )
    return {(p, a, TaskStatus(s).value): n for p, a, s, n in found}


def counted_days(session: Session) -> dict[tuple[int, int, str], int]:
    """task_deadline_counts without zeros: {(project, assignee, "YYYY-MM-DD"): n}."""
    rows = session.execute(
        sa.select(
            TaskDeadlineCount.project_id,
            TaskDeadlineCount.assignee_id,
            TaskDeadlineCount.day,
            TaskDeadlineCount.n,
        )
    )
    return {(p, a, str(d)): n for p, a, d, n in rows if n}


def actual_days(session: Session) -> dict[tuple[int, int, str], int]:
    """What a recount of task_deadline_counts would find (a scan; tests)."""
    found: Counter[tuple[int, int, str]] = Counter()
    rows = _per_task_and_assignee()
    for p, a, s, deadline in session.execute(
        sa.select(rows.c.project_id, rows.c.assignee_id, rows.c.status, rows.c.deadline).where(
            rows.c.deadline.is_not(None)
        )
    ):
        if TaskStatus(s).value in OPEN:
            day = deadline.astimezone(UTC).date() if deadline.tzinfo else deadline.date()
            found[(p, a, str(day))] += 1
    return dict(found)
