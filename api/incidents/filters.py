"""The incident list's filters, scopes and sort keys, declared once: the query schema, the JSON
route, the UI and the list query all read them from here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from api.incidents.models import IncidentStatus, Severity, Visibility

SCOPES = ("mine", "public", "all")
SORT_KEYS = ("reported", "updated", "severity")
SORTS = sorted([*SORT_KEYS, *(f"-{k}" for k in SORT_KEYS)])


@dataclass(frozen=True)
class IncidentFilter:
    """List filters; every field optional. Datetimes are aware UTC.

    `scope`: "mine" (reported by or assigned to the caller), "public" (others' incidents the
    caller may see), "all" (managers and admins); None means every incident the caller may see.
    """

    scope: str | None = None
    status: list[IncidentStatus] = field(default_factory=list)
    severity: list[Severity] = field(default_factory=list)
    visibility: Visibility | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    q: str | None = None
    lead: int | None = None  # a user id: the incidents they lead
    sort: str = "-reported"

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> IncidentFilter:
        """The filter of a loaded IncidentQuery (paging keys and unknown keys are ignored)."""
        return cls(**{f.name: query[f.name] for f in fields(cls) if f.name in query})
