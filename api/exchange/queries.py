"""CSV exports of the task and incident lists: the lists' own queries, filters and visibility
(api.tasks.queries.list_tasks, api.incidents.queries.list_incidents), read page after page
through their cursors and written out as they come, so that memory stays flat whatever the
number of rows.

The first page is read before the answer starts, so a bad filter still answers 422; what follows
is a generator for `stream_with_context`. Cells: api/exchange/csv_rows.py (UTF-8, a header
row, dates ISO 8601 UTC, formula cells guarded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from api.db import Page
from api.exchange.csv_rows import EXPORT_COLUMNS, SEPARATOR, csv_line, utc_text
from api.extensions import db
from api.incidents import queries as incident_queries
from api.incidents.filters import IncidentFilter
from api.tasks import queries as task_queries
from api.tasks.filters import TaskFilter
from api.users.models import User

PAGE_SIZE = 100  # MAX_PAGE_SIZE of the lists: one statement (plus one for people) per page
INCIDENT_COLUMNS = (
    "id",
    "title",
    "severity",
    "status",
    "visibility",
    "reporter",
    "assignee",
    "reported_at",
    "acknowledged_at",
    "resolved_at",
    "description",
)


def _pages(fetch: Callable[[str | None], Page[Any]]) -> Iterator[list[Any]]:
    """Every page of a list, first one read at once (its errors raise here, not mid-stream)."""
    page = fetch(None)

    def rest() -> Iterator[list[Any]]:
        current = page
        while True:
            yield current.items
            if current.next_cursor is None:
                return
            current = fetch(current.next_cursor)

    return rest()


def _names(people: list[Any]) -> str:
    return f"{SEPARATOR} ".join(person.username for person in people)


def task_row(task: Any) -> list[Any]:
    """A task's cells in EXPORT_COLUMNS order."""
    return [
        task.ref,
        task.project_key,
        task.title,
        task.description,
        task.status.value,
        task.priority.value,
        utc_text(task.deadline),
        _names(task.assignees),
        f"{SEPARATOR} ".join(label.name for label in task.labels),
        utc_text(task.created_at),
        utc_text(task.completed_at),
    ]


def export_tasks(*, filters: TaskFilter, actor: User) -> Iterator[str]:
    """The tasks `actor` sees under `filters`, in the list's order, as CSV text chunks (the
    header, then one chunk per page). Raises, before returning, what list_tasks raises
    (Unprocessable for deadline_to before deadline_from)."""
    pages = _pages(
        lambda cursor: task_queries.list_tasks(
            filters=filters, actor=actor, page_size=PAGE_SIZE, cursor=cursor
        )
    )

    def chunks() -> Iterator[str]:
        yield csv_line(EXPORT_COLUMNS)
        for items in pages:
            yield "".join(csv_line(task_row(task)) for task in items)
        db.session.rollback()  # the reads are over: end the transaction

    return chunks()


def incident_row(incident: Any) -> list[Any]:
    """An incident's cells in INCIDENT_COLUMNS order."""
    return [
        incident.public_id,
        incident.title,
        incident.severity.value,
        incident.status.value,
        incident.visibility.value,
        incident.reporter.username if incident.reporter else "",
        incident.assignee.username if incident.assignee else "",
        utc_text(incident.reported_at),
        utc_text(incident.acknowledged_at),
        utc_text(incident.resolved_at),
        incident.description,
    ]


def export_incidents(*, filters: IncidentFilter, actor: User) -> Iterator[str]:
    """The incidents `actor` sees under `filters` as CSV text chunks, like export_tasks.
    Raises, before returning, what list_incidents raises (Forbidden for scope "all" without
    incident.read on every incident, Unprocessable for reported_to before reported_from)."""
    pages = _pages(
        lambda cursor: incident_queries.list_incidents(
            filters=filters, actor=actor, page_size=PAGE_SIZE, cursor=cursor
        )
    )

    def chunks() -> Iterator[str]:
        yield csv_line(INCIDENT_COLUMNS)
        for items in pages:
            yield "".join(csv_line(incident_row(incident)) for incident in items)
            for incident in items:  # entities: the identity map keeps one page of them
                db.session.expunge(incident)
        db.session.rollback()

    return chunks()
