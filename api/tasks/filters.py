"""The task list's filters and sort keys, declared once: the query schema, the JSON route, the
UI and the list query all read them from here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from api.tasks.models import Priority, TaskStatus

REF_PATTERN = r"^[A-Z0-9]{2,10}-[1-9][0-9]{0,9}$"
SORT_KEYS = ("created", "deadline", "priority")
RELEVANCE = "relevance"  # best match first; the default with `q`, else the same as "-created"
SORTS = sorted([*SORT_KEYS, *(f"-{k}" for k in SORT_KEYS), RELEVANCE])
# The filters that take several values (repeated in a query string: ?status=a&status=b).
MULTI_VALUE = ("status", "priority", "assignee_id", "project", "label")


@dataclass(frozen=True)
class TaskFilter:
    """List filters; every field optional. Datetimes are aware UTC; `sort` is one of SORTS, or
    None for the default (relevance with `q`, newest first otherwise). The lists match any of
    their values: `assignee_id` tasks with any of those people among their assignees, `project`
    tasks of any of those project keys."""

    status: list[TaskStatus] = field(default_factory=list)
    priority: list[Priority] = field(default_factory=list)
    assignee_id: list[int] = field(default_factory=list)
    unassigned: bool = False
    deadline_from: datetime | None = None
    deadline_to: datetime | None = None
    overdue: bool | None = None
    q: str | None = None
    project: list[str] = field(default_factory=list)
    label: list[str] = field(default_factory=list)
    ref: str | None = None
    sort: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> TaskFilter:
        """The filter of a loaded TaskQuery (paging keys and unknown keys are ignored)."""
        return cls(**{f.name: query[f.name] for f in fields(cls) if f.name in query})
