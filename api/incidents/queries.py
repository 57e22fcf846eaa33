"""Incident queries: one incident, the list, responses, the timeline, what a person may change,
and the MTTA / MTTR figures. Each reads only what the actor may see (api/incidents/rules.py);
the commands are in service.py."""

from __future__ import annotations

import re
import statistics
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, undefer

from api.activity import service as activity
from api.activity.models import Activity, EntityType
from api.db import Page, contains_pattern, paginate, text_search, utcnow
from api.errors import Forbidden, Unprocessable
from api.extensions import db
from api.incidents import rules
from api.incidents.filters import IncidentFilter
from api.incidents.models import (
    SEVERITY_RANK,
    Incident,
    IncidentResponse,
    IncidentStatus,
    Severity,
)
from api.listing import Listing, Segment
from api.permissions import (
    Capability,
    can,
    first_visible,
    require,
    roles_with,
    visible_clause,
)
from api.users.models import User, UserStatus

TRANSITIONS: dict[IncidentStatus, tuple[IncidentStatus, ...]] = {
    IncidentStatus.REPORTED: (IncidentStatus.INVESTIGATING,),
    IncidentStatus.INVESTIGATING: (IncidentStatus.RESOLVED,),
    IncidentStatus.RESOLVED: (IncidentStatus.INVESTIGATING,),
}
STATS_WINDOW = timedelta(days=30)

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_LOADS = (
    joinedload(Incident.reporter),
    joinedload(Incident.assignee),
    joinedload(Incident.lead),
    undefer(Incident.response_count),
)
# A list page shows people by id and username only (see api/tasks/queries.py).
_LIST_LOADS = (
    joinedload(Incident.reporter).load_only(User.id, User.username),
    joinedload(Incident.assignee).load_only(User.id, User.username),
    joinedload(Incident.lead).load_only(User.id, User.username),
    undefer(Incident.response_count),
)


def parse_public_id(value: str) -> str:
    """Return the canonical (lower-case) form of a public id from a URL.

    Raises Unprocessable naming `public_id` (location "path") unless `value` is a UUID written
    as 8-4-4-4-12 hexadecimal digits.
    """
    if not _UUID.match(value):
        raise Unprocessable.field("public_id", "That is not an incident id.", location="path")
    return value.lower()


def get_visible(public_id: str, actor: User, *, with_users: bool = True) -> Incident:
    """Return the incident if `actor` may see it (incident.read); raise NotFound otherwise
    (never 403, design §2). Raises Unprocessable if `public_id` is not a UUID."""
    stmt = sa.select(Incident).where(Incident.public_id == parse_public_id(public_id))
    if with_users:
        stmt = stmt.options(*_LOADS)
    return first_visible(stmt, actor, Capability.INCIDENT_READ, not_found=rules.RULE.not_found)


def allowed_statuses(incident: Incident, actor: User) -> list[IncidentStatus]:
    """The statuses `actor` may move `incident` to now (empty when they may not move it):
    incident.set_status, and incident.reopen for a resolved one."""
    if not can(actor, Capability.INCIDENT_SET_STATUS, incident):
        return []
    if incident.status == IncidentStatus.RESOLVED and not can(
        actor, Capability.INCIDENT_REOPEN, incident
    ):
        return []
    return list(TRANSITIONS[incident.status])


def may_triage(incident: Incident, actor: User) -> bool:
    """Whether `actor` may change the severity and the assignee (incident.triage)."""
    return can(actor, Capability.INCIDENT_TRIAGE, incident)


def triage_choices(incident: Incident, actor: User) -> list[User]:
    """The active people `actor` may hand `incident` to, by username; empty unless they may
    triage it. At most 100 (the UI's select)."""
    if not may_triage(incident, actor):
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.status == UserStatus.ACTIVE)
            .order_by(User.username, User.id)
            .limit(100)
        )
    )


def lead_choices(incident: Incident, actor: User) -> list[User]:
    """The people `actor` may make the lead of `incident`: active holders of incident.lead
    (managers and admins), by username; empty unless they may triage it. At most 100."""
    if not may_triage(incident, actor):
        return []
    people = db.session.scalars(
        sa.select(User)
        .where(
            User.status == UserStatus.ACTIVE, User.role.in_(roles_with(Capability.INCIDENT_LEAD))
        )
        .order_by(User.username, User.id)
        .limit(100)
    )
    return list(people)


def list_responses(
    *, public_id: str, actor: User, page: int, page_size: int
) -> Page[IncidentResponse]:
    """One page of an incident's responses, oldest first, with authors: three statements.

    Raises NotFound if the incident is not visible."""
    incident = get_visible(public_id, actor, with_users=False)
    stmt = (
        sa.select(IncidentResponse)
        .where(IncidentResponse.incident_id == incident.id)
        .order_by(IncidentResponse.id)
    )
    return paginate(
        db.session,
        stmt,
        page=page,
        page_size=page_size,
        options=(joinedload(IncidentResponse.author),),
    )


def timeline(*, public_id: str, actor: User) -> list[Activity]:
    """The incident's activity, oldest first. Raises NotFound if the incident is not visible."""
    incident = get_visible(public_id, actor, with_users=False)
    return activity.timeline(EntityType.INCIDENT, incident.id)


_SEVERITY_ORDER = sa.case(
    {s.value: rank for s, rank in SEVERITY_RANK.items()}, value=Incident.severity, else_=0
)


def _triage_order() -> list[Any]:
    """Most severe first and, within one severity, the newest first (the triage card)."""
    return [_SEVERITY_ORDER.desc(), Incident.reported_at.desc(), Incident.id.desc()]


def _sorts(sort: str) -> list[Segment]:
    """The segments of each sort (api/listing.py): reported_at or updated_at, then id, in one
    direction (ix_incidents_reported_at, ix_incidents_updated_at); severity: one segment per
    severity, within it the newest first (reported_at, id descending: the triage order)."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "severity":
        ranked = sorted(SEVERITY_RANK, key=SEVERITY_RANK.__getitem__, reverse=descending)
        return [
            Segment(
                where=lambda s=s: Incident.severity == s,
                key=lambda: Incident.reported_at,
                descending=True,
            )
            for s in ranked
        ]
    column = {"reported": Incident.reported_at, "updated": Incident.updated_at}[key]
    return [Segment(where=None, key=lambda: column, descending=descending)]


def _mine() -> sa.ColumnElement[bool]:
    me = sa.bindparam("me")
    return sa.or_(Incident.reporter_id == me, Incident.assignee_id == me)


def _not_mine() -> sa.ColumnElement[bool]:
    # Spelled out rather than NOT(mine): reporter_id and assignee_id may be NULL.
    me = sa.bindparam("me")
    return sa.and_(
        sa.or_(Incident.reporter_id.is_(None), Incident.reporter_id != me),
        sa.or_(Incident.assignee_id.is_(None), Incident.assignee_id != me),
    )


_FILTER_TERMS = {
    "mine": _mine,
    "public": _not_mine,
    "status": lambda: Incident.status.in_(sa.bindparam("status", expanding=True)),
    "severity": lambda: Incident.severity.in_(sa.bindparam("severity", expanding=True)),
    "visibility": lambda: Incident.visibility == sa.bindparam("visibility"),
    "reported_from": lambda: Incident.reported_at >= sa.bindparam("reported_from"),
    "reported_to": lambda: Incident.reported_at <= sa.bindparam("reported_to"),
    "lead": lambda: Incident.lead_id == sa.bindparam("lead"),
    "q": lambda: text_search(sa.bindparam("q"), Incident.title, Incident.description),
}
LISTING = Listing(
    entity=Incident,
    read=Capability.INCIDENT_READ,
    terms=_FILTER_TERMS,
    sorts=_sorts,
    options=_LIST_LOADS,
)


def _filter_terms(filters: IncidentFilter, actor: User) -> tuple[tuple[str, ...], dict[str, Any]]:
    terms: list[str] = []
    params: dict[str, Any] = {}

    def use(term: str, **values: Any) -> None:
        terms.append(term)
        params.update(values)

    if filters.scope in ("mine", "public"):
        use(filters.scope, me=actor.id)
    if filters.status:
        use("status", status=list(filters.status))
    if filters.severity:
        use("severity", severity=list(filters.severity))
    if filters.visibility:
        use("visibility", visibility=filters.visibility)
    if filters.reported_from:
        use("reported_from", reported_from=filters.reported_from)
    if filters.reported_to:
        use("reported_to", reported_to=filters.reported_to)
    if filters.lead:
        use("lead", lead=filters.lead)
    if filters.q:
        use("q", q=contains_pattern(filters.q))
    return tuple(terms), params


def list_incidents(
    *,
    filters: IncidentFilter,
    actor: User,
    page: int = 1,
    page_size: int,
    cursor: str | None = None,
) -> Page[Incident]:
    """One page of the incidents `actor` may see: one SQL statement whatever the page size
    (keyset pages from `cursor`, capped totals: api/listing.py).

    Raises Forbidden for scope "all" unless `actor` sees every incident (incident.read on
    every object: managers and admins), Unprocessable when reported_to is before reported_from
    (naming `reported_to`), for a foreign cursor (`cursor`) or a page past 10,000 rows (`page`).
    """
    if filters.scope == "all" and not can(actor, Capability.INCIDENT_READ):
        raise Forbidden("Only managers and admins may list all incidents.")
    if (
        filters.reported_from
        and filters.reported_to
        and filters.reported_from > filters.reported_to
    ):
        raise Unprocessable.field(
            "reported_to", "Must not be before reported_from.", location="query"
        )
    terms, params = _filter_terms(filters, actor)
    return LISTING.page(
        actor=actor,
        terms=terms,
        params=params,
        sort=filters.sort,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )


OPEN_STATUSES = (IncidentStatus.REPORTED, IncidentStatus.INVESTIGATING)


def needs_triage(*, actor: User, limit: int = 5) -> dict[str, Any]:
    """What waits for the people who triage every incident (incident.triage on every object:
    managers and admins, api/permissions.py GRANTS); raises Forbidden for anyone else.

    Open incidents that nobody acknowledged yet (still "reported") or that nobody holds (no
    assignee). Returns {"unacknowledged": n, "unassigned": n, "total": n (either or both),
    "items": [Incident], at most `limit`, most severe first and, within a severity, newest
    first}. Two statements.
    """
    require(actor, Capability.INCIDENT_TRIAGE)
    unacknowledged = Incident.status == IncidentStatus.REPORTED
    unassigned = sa.and_(Incident.status.in_(OPEN_STATUSES), Incident.assignee_id.is_(None))
    waiting = sa.or_(unacknowledged, unassigned)
    visible = visible_clause(actor, Capability.INCIDENT_READ)
    if visible is not None:
        waiting = sa.and_(waiting, visible)
    counts = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((unacknowledged, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((unassigned, 1), else_=0)), 0),
        ).where(waiting)
    ).one()
    items = db.session.scalars(
        sa.select(Incident)
        .where(waiting)
        .options(*_LIST_LOADS)
        .order_by(*_triage_order())
        .limit(limit)
    ).all()
    return {
        "total": int(counts[0]),
        "unacknowledged": int(counts[1]),
        "unassigned": int(counts[2]),
        "items": list(items),
    }


def _durations(start: Any, end: Any, since: datetime, now: datetime) -> dict[str, Any]:
    """Median and mean of end minus start, in seconds, over rows whose `end` is in [since, now]."""
    rows = db.session.execute(sa.select(start, end).where(end >= since, end <= now)).all()
    seconds = [(finish - begin).total_seconds() for begin, finish in rows]
    if not seconds:
        return {"median_seconds": None, "mean_seconds": None, "count": 0}
    return {
        "median_seconds": round(statistics.median(seconds), 3),
        "mean_seconds": round(statistics.fmean(seconds), 3),
        "count": len(seconds),
    }


def response_times(*, since: datetime, now: datetime) -> dict[str, dict[str, Any]]:
    """MTTA and MTTR over a window (aware UTC): {"mtta": {...}, "mttr": {...}}.

    MTTA is reported → first acknowledged over the incidents acknowledged in [since, now];
    MTTR is reported → resolved over the incidents resolved in it. Each is
    {"median_seconds", "mean_seconds", "count"}, the seconds None when `count` is 0.
    """
    return {
        "mtta": _durations(Incident.reported_at, Incident.acknowledged_at, since, now),
        "mttr": _durations(Incident.reported_at, Incident.resolved_at, since, now),
    }


def stats(*, now: datetime | None = None) -> dict[str, Any]:
    """Incident figures over every incident (the callers hold stats.read: api/stats,
    api/reports).

    Returns {"open_by_status": {status: n}, "open_by_severity": {severity: n}, "window_days": 30,
    "mtta": {...}, "mttr": {...}} where MTTA is reported → acknowledged over the incidents
    acknowledged in the last 30 days, MTTR is reported → resolved over the incidents resolved
    in the last 30 days, each {"median_seconds", "mean_seconds", "count"} (seconds as floats,
    null when `count` is 0). Incidents never acknowledged or never resolved have no duration
    and are left out. Open means not resolved.
    """
    now = now or utcnow()
    since = now - STATS_WINDOW
    is_open = Incident.status != IncidentStatus.RESOLVED
    by_status = {s.value: 0 for s in IncidentStatus if s != IncidentStatus.RESOLVED}
    by_severity = {s.value: 0 for s in Severity}
    rows = db.session.execute(
        sa.select(Incident.status, Incident.severity, sa.func.count())
        .where(is_open)
        .group_by(Incident.status, Incident.severity)
    )
    for status, severity, count in rows:
        by_status[IncidentStatus(status).value] += count
        by_severity[Severity(severity).value] += count
    return {
        "open_by_status": by_status,
        "open_by_severity": by_severity,
        "window_days": STATS_WINDOW.days,
        **response_times(since=since, now=now),
    }
