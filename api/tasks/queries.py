"""Task queries: one task, the list, the timeline, the actions a person may take, statistics.

Each reads only what the actor may see (api/tasks/rules.py); the commands are in service.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload, undefer

from api import fulltext
from api.activity import service as activity
from api.activity.models import Activity, EntityType
from api.db import Page, escape_like, utcnow
from api.errors import Unprocessable
from api.extensions import db
from api.listing import Listing, Segment
from api.permissions import Capability, allowed, first_visible
from api.projects.models import GENERAL_KEY, Label, Project
from api.tasks import counters, rules
from api.tasks.filters import REF_PATTERN, RELEVANCE, TaskFilter
from api.tasks.models import (
    PRIORITY_RANK,
    Task,
    TaskAssignee,
    TaskCount,
    TaskDeadlineCount,
    TaskLabel,
    TaskStatus,
)
from api.tasks.summaries import (
    TaskSummary,
    attach_people_and_labels,
    summary_of,
    summary_select,
)
from api.users.models import User

_LOADS = (
    joinedload(Task.assignee),
    joinedload(Task.created_by),
    joinedload(Task.project),
    selectinload(Task.assignee_links),  # one statement; each link's user is joined to it
    joinedload(Task.labels),  # joined: a task read stays at three statements with the caller's
    undefer(Task.follow_up_of),  # the incident it follows up, if any: in the same statement
)
# What a person may do to a task, as the detail page offers it (allowed_actions).
ACTIONS = (
    Capability.TASK_EDIT,
    Capability.TASK_ASSIGN,
    Capability.TASK_SET_STATUS,
    Capability.TASK_DELETE,
)


def get_visible(task_id: int, actor: User, *, with_users: bool = True) -> Task:
    """Return the task if `actor` may see it (task.read); raise NotFound otherwise (never 403)."""
    stmt = sa.select(Task).where(Task.id == task_id)
    if with_users:
        stmt = stmt.options(*_LOADS)
    return first_visible(stmt, actor, Capability.TASK_READ, not_found=rules.RULE.not_found)


def allowed_actions(task: Task, actor: User) -> frozenset[str]:
    """What `actor` may do to `task` now: a subset of {"task.edit", "task.assign",
    "task.set_status", "task.delete"} (templates offer exactly these)."""
    return allowed(actor, task, ACTIONS)


def timeline(*, task_id: int, actor: User) -> list[Activity]:
    """The task's activity, oldest first. Raises NotFound if the task is not visible."""
    get_visible(task_id, actor, with_users=False)
    return activity.timeline(EntityType.TASK, task_id)


def _segment(where: Any, key: Any, descending: bool, *, keyed: bool = True) -> Segment:
    return Segment(where=where, key=lambda: key, descending=descending, keyed=keyed)


def _score() -> Any:
    return fulltext.Score(Task.id, Task.title, Task.description, sa.bindparam("q_ft"))


def _sorts(sort: str) -> list[Segment]:
    """The segments of each sort (api/listing.py), each served by an index of Task.

    created: created_at, id. deadline: the tasks with a deadline by (deadline, id), then those
    without by id, in both directions (no deadline goes last). priority: one segment per
    priority, by id. relevance: the full-text score, best first (only with a full-text `q`).
    """
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "created":
        return [_segment(None, Task.created_at, descending)]
    if key == "deadline":
        return [
            _segment(lambda: Task.deadline.is_not(None), Task.deadline, descending),
            _segment(lambda: Task.deadline.is_(None), Task.deadline, descending, keyed=False),
        ]
    if key == "priority":
        ranked = sorted(PRIORITY_RANK, key=PRIORITY_RANK.__getitem__, reverse=descending)
        return [
            _segment(lambda p=p: Task.priority == p, Task.priority, descending, keyed=False)
            for p in ranked
        ]
    if key == RELEVANCE:
        return [Segment(where=None, key=_score, descending=True)]
    raise KeyError(sort)


OPEN_STATUSES = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


def overdue_clause(now: Any) -> sa.ColumnElement[bool]:
    """Open tasks whose deadline is before `now` (a datetime or a bound parameter).

    The one overdue rule of taskdesk in SQL (Task.is_overdue is the same in Python). IS NOT
    NULL first: without it NOT(NULL < now AND ...) is NULL, and overdue=false would drop every
    task that has no deadline.
    """
    return sa.and_(Task.deadline.is_not(None), Task.deadline < now, Task.status.in_(OPEN_STATUSES))


# The WHERE term of each filter, by name; its bound parameters are named after it.
_FILTER_TERMS: dict[str, Callable[[], sa.ColumnElement[bool]]] = {
    "status": lambda: Task.status.in_(sa.bindparam("status", expanding=True)),
    "priority": lambda: Task.priority.in_(sa.bindparam("priority", expanding=True)),
    "unassigned": lambda: ~sa.exists().where(TaskAssignee.task_id == Task.id),
    "assignee": lambda: rules.assigned_to(sa.bindparam("assignee_id")),
    "assignees": lambda: sa.exists().where(
        TaskAssignee.task_id == Task.id,
        TaskAssignee.user_id.in_(sa.bindparam("assignee_ids", expanding=True)),
    ),
    "deadline_from": lambda: Task.deadline >= sa.bindparam("deadline_from"),
    "deadline_to": lambda: Task.deadline <= sa.bindparam("deadline_to"),
    "overdue": lambda: overdue_clause(sa.bindparam("now")),
    "not_overdue": lambda: sa.not_(overdue_clause(sa.bindparam("now"))),
    "q": lambda: fulltext.Match(Task.id, Task.title, Task.description, sa.bindparam("q_ft")),
    "q_prefix": lambda: Task.title.like(sa.bindparam("q_prefix"), escape="\\"),
    # `q` that reads as a ref ("OPS-12") also finds that task.
    "q_ref": lambda: sa.or_(
        fulltext.Match(Task.id, Task.title, Task.description, sa.bindparam("q_ft")),
        _ref_clause("q_key", "q_number"),
    ),
    "q_prefix_ref": lambda: sa.or_(
        Task.title.like(sa.bindparam("q_prefix"), escape="\\"),
        _ref_clause("q_key", "q_number"),
    ),
    "project": lambda: _project_clause(sa.bindparam("project")),
    "projects": lambda: _projects_clause(sa.bindparam("projects", expanding=True)),
    "label": lambda: (
        sa.exists()
        .where(TaskLabel.task_id == Task.id, TaskLabel.label_id == Label.id)
        .where(Label.name.in_(sa.bindparam("label", expanding=True)))
    ),
    "ref": lambda: _ref_clause("ref_key", "ref_number"),
}


def _project_clause(key: Any) -> sa.ColumnElement[bool]:
    """Tasks of the project with `key` (a task without a project is General's)."""
    project_id = sa.select(Project.id).where(Project.key == key).scalar_subquery()
    return sa.or_(
        Task.project_id == project_id, sa.and_(Task.project_id.is_(None), key == GENERAL_KEY)
    )


def _projects_clause(keys: Any) -> sa.ColumnElement[bool]:
    """Tasks of any project whose key is in `keys` (an expanding bound parameter)."""
    project_ids = sa.select(Project.id).where(Project.key.in_(keys))
    general = sa.select(Project.id).where(Project.key == GENERAL_KEY, Project.key.in_(keys))
    return sa.or_(
        Task.project_id.in_(project_ids),
        sa.and_(Task.project_id.is_(None), sa.exists(general)),
    )


def _ref_clause(key: str, number: str) -> sa.ColumnElement[bool]:
    """The task whose ref is "<key>-<number>" (bound parameters of those names)."""
    project_id = sa.select(Project.id).where(Project.key == sa.bindparam(key)).scalar_subquery()
    return sa.and_(Task.project_id == project_id, Task.number == sa.bindparam(number))


def split_ref(text: str) -> tuple[str, int] | None:
    """("OPS", 12) for "OPS-12" (any case), None when `text` is not a ref."""
    match = re.fullmatch(REF_PATTERN, text.strip().upper())
    if match is None:
        return None
    key, _, number = text.strip().upper().rpartition("-")
    return key, int(number)


# There are at most 576 filter combinations times 6 sorts, and far fewer in use.
LISTING = Listing(
    entity=Task,
    read=Capability.TASK_READ,
    terms=_FILTER_TERMS,
    sorts=_sorts,
    shape=summary_select,
    item=summary_of,
    attach=attach_people_and_labels,
)


def _filter_terms(filters: TaskFilter) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The names of the `_FILTER_TERMS` that apply to this list, and their bound values."""
    terms: list[str] = []
    params: dict[str, Any] = {}

    def use(term: str, **values: Any) -> None:
        terms.append(term)
        params.update(values)

    if filters.status:
        use("status", status=list(filters.status))
    if filters.priority:
        use("priority", priority=list(filters.priority))
    if filters.unassigned:
        use("unassigned")
    elif len(filters.assignee_id) == 1:  # one person: the shape ix_task_assignees serves
        use("assignee", assignee_id=filters.assignee_id[0])
    elif filters.assignee_id:
        use("assignees", assignee_ids=list(filters.assignee_id))
    if filters.deadline_from:
        use("deadline_from", deadline_from=filters.deadline_from)
    if filters.deadline_to:
        use("deadline_to", deadline_to=filters.deadline_to)
    if filters.overdue is not None:
        use("overdue" if filters.overdue else "not_overdue", now=utcnow())
    if filters.q:
        term, values = search_term(filters.q)
        ref = split_ref(filters.q)
        if ref is not None:
            term += "_ref"
            values.update(q_key=ref[0], q_number=ref[1])
        use(term, **values)
    if len(filters.project) == 1:  # one project: the shapes of tasks/test_explain.py
        use("project", project=filters.project[0])
    elif filters.project:
        use("projects", projects=list(dict.fromkeys(filters.project)))
    if filters.label:
        use("label", label=list(filters.label))
    if filters.ref:
        key, number = split_ref(filters.ref) or (None, None)
        use("ref", ref_key=key, ref_number=number)
    return tuple(terms), params


def search_term(q: str) -> tuple[str, dict[str, Any]]:
    """The one search of tasks: the filter term (a `_FILTER_TERMS` name) and its bound values.

    Full-text (MariaDB FULLTEXT in boolean mode, SQLite FTS5; api/fulltext.py) over title and
    description for the words of `q` that the engines index: rows holding every such word as a
    prefix. When `q` has none (shorter than 3 letters, or only stop words such as "the"), the
    titles that start with `q` (a prefix LIKE, served by ix_tasks_title). Comments join the
    full-text search when they exist: their own FTS structure, OR-ed into this term.
    """
    found = fulltext.words(q)
    if not found:
        return "q_prefix", {"q_prefix": escape_like(q) + "%"}
    dialect = db.session.get_bind().dialect.name
    return "q", {"q_ft": fulltext.query_text(found, dialect)}


def list_tasks(
    *,
    filters: TaskFilter,
    actor: User,
    page: int = 1,
    page_size: int,
    cursor: str | None = None,
) -> Page[TaskSummary]:
    """One page of the tasks `actor` may see, as TaskSummary: one SQL statement, whatever the
    page size or the table's size (two for an empty page). Keyset pages, capped totals and
    cursors: api/listing.py.

    Raises Unprocessable (422) naming `deadline_to` when deadline_to is before deadline_from,
    `cursor` for a cursor this list did not give out, `page` past MAX_OFFSET rows.
    """
    if (
        filters.deadline_from
        and filters.deadline_to
        and filters.deadline_from > filters.deadline_to
    ):
        raise Unprocessable.field(
            "deadline_to", "Must not be before deadline_from.", location="query"
        )
    terms, params = _filter_terms(filters)
    sort = filters.sort or (RELEVANCE if "q" in terms else "-created")
    if sort == RELEVANCE and "q" not in terms:
        sort = "-created"  # nothing to rank by
    return LISTING.page(
        actor=actor,
        terms=terms,
        params=params,
        sort=sort,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )


def stats(*, now: datetime | None = None, project: Any = None) -> dict[str, Any]:
    """Task figures over every task, or the tasks of `project` (a Project) when given (the
    callers hold stats.read: api/stats, api/reports).

    Returns {"by_status": {status: n}, "overdue": n, "completed_last_30_days": n,
    "per_assignee": [{"assignee_id", "username", "open", "overdue"}]}; a task counts once in
    the totals and once for each of its assignees; times in UTC; people by overdue, then open,
    both descending, then username. Five statements whose cost does not grow with the table:
    the counts by status and assignee from `task_counts`, the overdue ones from
    `task_deadline_counts` (days before today; both per project, kept by
    api/tasks/counters.py) plus today's range of ix_tasks_status_deadline, the completed ones
    as a range of ix_tasks_completed_at.
    """
    now = now or utcnow()
    scope = sa.true() if project is None else _project_clause(sa.literal(project.key))

    def in_scope(column: Any) -> sa.ColumnElement[bool]:
        if project is None:
            return sa.true()
        ids = [project.id] + ([counters.NO_PROJECT] if project.key == GENERAL_KEY else [])
        return column.in_(ids)

    by_status = {s.value: 0 for s in TaskStatus}
    for status, count in db.session.execute(
        sa.select(TaskCount.status, sa.func.sum(TaskCount.n))
        .where(TaskCount.assignee_id == counters.EVERY_TASK, in_scope(TaskCount.project_id))
        .group_by(TaskCount.status)
    ):
        by_status[TaskStatus(status).value] = int(count or 0)
    # Overdue: open tasks due on days before today (task_deadline_counts), plus today's open
    # tasks whose deadline has passed (a range of ix_tasks_status_deadline within one day).
    today = now.astimezone(UTC).date()
    overdue_by: dict[int, int] = {}
    for uid, n in db.session.execute(
        sa.select(TaskDeadlineCount.assignee_id, sa.func.sum(TaskDeadlineCount.n))
        .where(TaskDeadlineCount.day < today, in_scope(TaskDeadlineCount.project_id))
        .group_by(TaskDeadlineCount.assignee_id)
    ):
        overdue_by[uid] = overdue_by.get(uid, 0) + int(n or 0)
    midnight = datetime.combine(today, time(0), tzinfo=UTC)
    assignee = sa.func.coalesce(TaskAssignee.user_id, counters.EVERY_TASK)
    today_rows = db.session.execute(
        sa.select(Task.id, assignee)
        .outerjoin(TaskAssignee, TaskAssignee.task_id == Task.id)
        .where(overdue_clause(now), Task.deadline >= midnight, scope)
    ).all()
    overdue_by[counters.EVERY_TASK] = overdue_by.get(counters.EVERY_TASK, 0) + len(
        {task_id for task_id, _ in today_rows}
    )
    for _, uid in today_rows:
        if uid != counters.EVERY_TASK:
            overdue_by[uid] = overdue_by.get(uid, 0) + 1
    completed = db.session.scalar(
        sa.select(sa.func.count()).where(Task.completed_at >= now - timedelta(days=30), scope)
    )
    open_n = sa.func.sum(TaskCount.n)
    people = db.session.execute(
        sa.select(User.id, User.username, open_n)
        .join(TaskCount, TaskCount.assignee_id == User.id)
        .where(TaskCount.status.in_(OPEN_STATUSES), in_scope(TaskCount.project_id))
        .group_by(User.id, User.username)
        .having(open_n > 0)
    ).all()
    per_assignee = [
        {
            "assignee_id": uid,
            "username": name,
            "open": int(n),
            "overdue": int(overdue_by.get(uid, 0)),
        }
        for uid, name, n in people
    ]
    per_assignee.sort(key=lambda p: (-p["overdue"], -p["open"], p["username"]))
    return {
        "by_status": by_status,
        "overdue": int(overdue_by.get(counters.EVERY_TASK, 0)),
        "completed_last_30_days": int(completed or 0),
        "per_assignee": per_assignee,
    }
