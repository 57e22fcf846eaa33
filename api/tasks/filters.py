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


@dataclass(frozen=True)
class TaskFilter:
    """List filters; every field optional. Datetimes are aware UTC; `sort` is one of SORTS, or
    None for the default (relevance with `q`, newest first otherwise)."""

    status: list[TaskStatus] = field(default_factory=list)
    priority: list[Priority] = field(default_factory=list)
    assignee_id: int | None = None
    unassigned: bool = False
    deadline_from: datetime | None = None
    deadline_to: datetime | None = None
    overdue: bool | None = None
    q: str | None = None
    project: str | None = None
    label: list[str] = field(default_factory=list)
    ref: str | None = None
    sort: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> TaskFilter:
        """The filter of a loaded TaskQuery (paging keys and unknown keys are ignored)."""
        return cls(**{f.name: query[f.name] for f in fields(cls) if f.name in query})
