"""Incidents: who sees and changes what (shared/design.md §2), the status workflow, responses,
the timeline and the MTTA / MTTR figures.

Status workflow: reported → investigating → resolved, and resolved → investigating (reopening,
managers and admins only). The first move to investigating stamps `acknowledged_at`; resolving
stamps `resolved_at`, reopening clears it.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, undefer

from api.activity import service as activity
from api.activity.models import Activity, EntityType
from api.db import Page, paginate, text_search, utcnow
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.extensions import db
from api.incidents.models import (
    SEVERITY_RANK,
    Incident,
    IncidentResponse,
    IncidentStatus,
    Severity,
    Visibility,
)
from api.notifications import emails
from api.permissions import STAFF
from api.preconditions import check_if_match
from api.users.models import User, UserStatus

TRANSITIONS: dict[IncidentStatus, tuple[IncidentStatus, ...]] = {
    IncidentStatus.REPORTED: (IncidentStatus.INVESTIGATING,),
    IncidentStatus.INVESTIGATING: (IncidentStatus.RESOLVED,),
    IncidentStatus.RESOLVED: (IncidentStatus.INVESTIGATING,),
}
# Fields by who may change them (the issue): the reporter edits the report while it is still
# `reported`; managers, admins and the assignee run the response.
REPORT_FIELDS = ("title", "description", "visibility")
RESPONSE_FIELDS = ("severity", "assignee_id", "status")
STATS_WINDOW = timedelta(days=30)

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_LOADS = (
    joinedload(Incident.reporter),
    joinedload(Incident.assignee),
    undefer(Incident.response_count),
)
# A list page shows people by id and username only (see api/tasks/service.py).
_LIST_LOADS = (
    joinedload(Incident.reporter).load_only(User.id, User.username),
    joinedload(Incident.assignee).load_only(User.id, User.username),
    undefer(Incident.response_count),
)


def parse_public_id(value: str) -> str:
    """Return the canonical (lower-case) form of a public id from a URL.

    Raises Unprocessable naming `public_id` (location "path") unless `value` is a UUID written
    as 8-4-4-4-12 hexadecimal digits.
    """
    if not _UUID.match(value):
        raise Unprocessable.field("public_id", "Not a valid UUID.", location="path")
    return value.lower()


def _is_staff(user: User) -> bool:
    return user.role in STAFF


def _visible(stmt: sa.Select[Any], actor: User) -> sa.Select[Any]:
    """Managers and admins see every incident; others see public ones and their own."""
    if _is_staff(actor):
        return stmt
    return stmt.where(
        sa.or_(
            Incident.visibility == Visibility.PUBLIC,
            Incident.reporter_id == actor.id,
            Incident.assignee_id == actor.id,
        )
    )


def get_visible(public_id: str, actor: User, *, with_users: bool = True) -> Incident:
    """Return the incident if `actor` may see it; raise NotFound otherwise (never 403, §2).

    Raises Unprocessable if `public_id` is not a UUID.
    """
    stmt = _visible(
        sa.select(Incident).where(Incident.public_id == parse_public_id(public_id)), actor
    )
    if with_users:
        stmt = stmt.options(*_LOADS)
    incident = db.session.scalar(stmt)
    if incident is None:
        raise NotFound("Incident not found.")
    return incident


def _assignee(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.status != UserStatus.ACTIVE:
        raise Unprocessable.field("assignee_id", "Must be the id of an active user.")
    return user


def report(*, data: dict[str, Any], actor: User) -> Incident:
    """Report an incident as `actor` (any signed-in user); writes a "reported" activity row.

    `data` holds title, and optionally description, severity (default medium) and visibility
    (default public).
    """
    incident = Incident(
        title=data["title"],
        description=data.get("description", ""),
        severity=data.get("severity", Severity.MEDIUM),
        visibility=data.get("visibility", Visibility.PUBLIC),
        reporter=actor,
        assignee=None,
    )
    db.session.add(incident)
    db.session.flush()
    activity.record(
        actor=actor,
        entity_type=EntityType.INCIDENT,
        entity_id=incident.id,
        action="reported",
        changes={
            "title": [None, incident.title],
            "severity": [None, incident.severity.value],
            "status": [None, incident.status.value],
            "visibility": [None, incident.visibility.value],
        },
    )
    emails.incident_reported(incident, actor=actor)
    db.session.commit()
    return incident


def allowed_statuses(incident: Incident, actor: User) -> list[IncidentStatus]:
    """The statuses `actor` may move `incident` to now (empty when they may not move it)."""
    if not (_is_staff(actor) or incident.assignee_id == actor.id):
        return []
    allowed = TRANSITIONS[incident.status]
    if incident.status == IncidentStatus.RESOLVED and not _is_staff(actor):
        return []
    return list(allowed)


def _check_may_change(incident: Incident, fields: set[str], actor: User) -> None:
    """Raise Forbidden for fields `actor` may never change here, Conflict for a closed report."""
    staff = _is_staff(actor)
    is_reporter = incident.reporter_id is not None and incident.reporter_id == actor.id
    is_assignee = incident.assignee_id is not None and incident.assignee_id == actor.id
    refused = sorted(
        name
        for name in fields
        if not (
            staff
            or (name in REPORT_FIELDS and is_reporter)
            or (name in RESPONSE_FIELDS and is_assignee)
        )
    )
    if refused:
        raise Forbidden(f"You may not change: {', '.join(refused)}.")
    report_edits = sorted(fields & set(REPORT_FIELDS))
    if report_edits and not staff and incident.status != IncidentStatus.REPORTED:
        raise Conflict(
            f"The reporter may change {', '.join(report_edits)} only while the incident is"
            f" reported; it is {incident.status.value}.",
            errors={
                "json": {name: ["The incident is no longer reported."] for name in report_edits}
            },
        )
    if "status" in fields and incident.status == IncidentStatus.RESOLVED and not staff:
        raise Forbidden("Only a manager or an admin may reopen a resolved incident.")


def _status_changes(incident: Incident, status: IncidentStatus) -> dict[str, Any]:
    """The column values of a move to `status`; raise Conflict naming the allowed moves."""
    allowed = TRANSITIONS[incident.status]
    if status not in allowed:
        names = ", ".join(s.value for s in allowed)
        raise Conflict(
            f"An incident cannot move from {incident.status.value} to {status.value};"
            f" allowed: {names}.",
            errors={"json": {"status": [f"Allowed from {incident.status.value}: {names}."]}},
        )
    changes: dict[str, Any] = {"status": status}
    if status == IncidentStatus.INVESTIGATING:
        if incident.acknowledged_at is None:
            changes["acknowledged_at"] = utcnow()
        if incident.resolved_at is not None:
            changes["resolved_at"] = None
    elif status == IncidentStatus.RESOLVED:
        changes["resolved_at"] = utcnow()
    return changes


def update(
    *, public_id: str, changes: dict[str, Any], actor: User, if_match: str | None
) -> Incident:
    """Apply a partial edit of title, description, visibility, severity, assignee_id, status.

    Only fields whose value differs count as changes. Writes one activity row per kind of change
    ("updated", "assigned", "status_changed"), all in one transaction. Raises NotFound if the
    incident is not visible, PreconditionFailed on a stale If-Match, Forbidden for fields the
    actor may not change, Conflict for a report edit after `reported` or an illegal transition
    (the message names the allowed ones), Unprocessable for an assignee who is not active.
    """
    incident = get_visible(public_id, actor)
    check_if_match(incident.etag, if_match, noun="incident")
    changed = {name for name, value in changes.items() if getattr(incident, name) != value}
    if not changed:
        return incident
    _check_may_change(incident, changed, actor)
    groups: list[tuple[str, dict[str, Any]]] = []
    details = {
        n: changes[n] for n in ("title", "description", "visibility", "severity") if n in changed
    }
    if details:
        groups.append(("updated", details))
    if "assignee_id" in changed:
        groups.append(("assigned", {"assignee_id": changes["assignee_id"]}))
    if "status" in changed:
        groups.append(("status_changed", _status_changes(incident, changes["status"])))
    assignee = _assignee(changes["assignee_id"]) if "assignee_id" in changed else None
    status_before = incident.status
    for action, values in groups:
        delta = activity.diff(incident, values)
        if action == "assigned":
            incident.assignee = assignee
        else:
            for name, value in values.items():
                setattr(incident, name, value)
        activity.record(
            actor=actor,
            entity_type=EntityType.INCIDENT,
            entity_id=incident.id,
            action=action,
            changes=delta,
        )
    if "status" in changed:
        db.session.flush()  # the version of this change names the email
        emails.incident_status(
            incident, old=status_before.value, new=incident.status.value, actor=actor
        )
    db.session.commit()
    return incident


def respond(*, public_id: str, body: str, actor: User) -> IncidentResponse:
    """Add a response as `actor`, who must be able to see the incident (else NotFound).

    Writes a "responded" activity row naming the new response id.
    """
    incident = get_visible(public_id, actor, with_users=False)
    response = IncidentResponse(incident_id=incident.id, author=actor, body=body)
    db.session.add(response)
    db.session.flush()
    activity.record(
        actor=actor,
        entity_type=EntityType.INCIDENT,
        entity_id=incident.id,
        action="responded",
        changes={"response_id": [None, response.id]},
    )
    emails.incident_response(incident, response, actor=actor)
    db.session.commit()
    # A session that outlives this call (a CLI run, a test) must not keep the old count.
    db.session.expire(incident, ["response_count"])
    return response


def list_responses(
    *, public_id: str, actor: User, page: int, page_size: int
) -> Page[IncidentResponse]:
    """One page of an incident's responses, oldest first, with authors: three statements."""
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


SCOPES = ("mine", "public", "all")


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
    sort: str = "-reported"


_SEVERITY_ORDER = sa.case(
    {s.value: rank for s, rank in SEVERITY_RANK.items()}, value=Incident.severity, else_=0
)
SORT_KEYS = {
    "reported": Incident.reported_at,
    "updated": Incident.updated_at,
    "severity": _SEVERITY_ORDER,
}


def _order(sort: str) -> list[Any]:
    column = SORT_KEYS[sort.lstrip("-")]
    return [column.desc() if sort.startswith("-") else column.asc(), Incident.id]


def _filtered(filters: IncidentFilter, actor: User) -> sa.Select[Any]:
    stmt = _visible(sa.select(Incident), actor)
    if filters.scope == "mine":
        stmt = stmt.where(
            sa.or_(Incident.reporter_id == actor.id, Incident.assignee_id == actor.id)
        )
    elif filters.scope == "public":
        # Spelled out rather than NOT(mine): reporter_id and assignee_id may be NULL.
        stmt = stmt.where(
            sa.or_(Incident.reporter_id.is_(None), Incident.reporter_id != actor.id),
            sa.or_(Incident.assignee_id.is_(None), Incident.assignee_id != actor.id),
        )
    if filters.status:
        stmt = stmt.where(Incident.status.in_(filters.status))
    if filters.severity:
        stmt = stmt.where(Incident.severity.in_(filters.severity))
    if filters.visibility:
        stmt = stmt.where(Incident.visibility == filters.visibility)
    if filters.reported_from:
        stmt = stmt.where(Incident.reported_at >= filters.reported_from)
    if filters.reported_to:
        stmt = stmt.where(Incident.reported_at <= filters.reported_to)
    if filters.q:
        stmt = stmt.where(text_search(filters.q, Incident.title, Incident.description))
    return stmt


def list_incidents(
    *, filters: IncidentFilter, actor: User, page: int, page_size: int
) -> Page[Incident]:
    """One page of the incidents `actor` may see: two SQL statements whatever the page size.

    Raises Forbidden for scope "all" unless `actor` is a manager or admin, Unprocessable when
    reported_to is before reported_from.
    """
    if filters.scope == "all" and not _is_staff(actor):
        raise Forbidden("Only managers and admins may list all incidents.")
    if (
        filters.reported_from
        and filters.reported_to
        and filters.reported_from > filters.reported_to
    ):
        raise Unprocessable.field(
            "reported_to", "Must not be before reported_from.", location="query"
        )
    stmt = _filtered(filters, actor).order_by(*_order(filters.sort))
    return paginate(db.session, stmt, page=page, page_size=page_size, options=_LIST_LOADS)


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
    """Incident figures for managers and admins.

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
