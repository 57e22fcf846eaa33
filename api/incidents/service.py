"""Incident commands: report, edit / triage / move, respond (design §2).

Status workflow: reported → investigating → resolved, and resolved → investigating (reopening,
incident.reopen: managers and admins). The first move to investigating stamps
`acknowledged_at`; resolving stamps `resolved_at`, reopening clears it.

Each command starts with `require` (api/permissions.py, api/incidents/rules.py) and runs in one
unit of work. The reads (lists, responses, timeline, figures) are in queries.py.
"""

from __future__ import annotations

from typing import Any

from api.activity import service as activity
from api.db import unit_of_work, utcnow
from api.errors import Conflict, Forbidden, Unprocessable
from api.extensions import db
from api.incidents import emails, links
from api.incidents.models import (
    Incident,
    IncidentResponse,
    IncidentStatus,
    Severity,
    Visibility,
)
from api.incidents.queries import TRANSITIONS, get_visible
from api.permissions import Capability, can, require
from api.preconditions import check_if_match
from api.users.models import User, UserStatus
from api.webhooks import events as webhooks
from api.webhooks.models import EventType

# The capability each editable field needs: the reporter edits the report while it is still
# `reported`; the assignee triages and moves it; managers and admins do everything.
FIELD_CAPABILITIES = {
    "title": Capability.INCIDENT_EDIT_REPORT,
    "description": Capability.INCIDENT_EDIT_REPORT,
    "visibility": Capability.INCIDENT_EDIT_REPORT,
    "severity": Capability.INCIDENT_TRIAGE,
    "assignee_id": Capability.INCIDENT_TRIAGE,
    "lead_id": Capability.INCIDENT_TRIAGE,
    "status": Capability.INCIDENT_SET_STATUS,
}
REPORT_FIELDS = ("title", "description", "visibility")


def _assignee(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.status != UserStatus.ACTIVE:
        raise Unprocessable.field("assignee_id", "Choose an active person as the assignee.")
    return user


def _lead(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not can(user, Capability.INCIDENT_LEAD):
        raise Unprocessable.field("lead_id", "Choose an active manager or admin as the lead.")
    return user


def report(*, data: dict[str, Any], actor: User) -> Incident:
    """Report an incident as `actor` (incident.report: anyone signed in); writes a "reported"
    activity row and alerts managers and admins.

    `data` holds title, and optionally description, severity (default medium) and visibility
    (default public). Raises Forbidden.
    """
    require(actor, Capability.INCIDENT_REPORT)
    with unit_of_work():
        incident = Incident(
            title=data["title"],
            description=data.get("description", ""),
            severity=data.get("severity", Severity.MEDIUM),
            visibility=data.get("visibility", Visibility.PUBLIC),
            reporter=actor,
            assignee=None,
            lead=None,
        )
        db.session.add(incident)
        db.session.flush()
        snapshot = {
            "title": [None, incident.title],
            "severity": [None, incident.severity.value],
            "status": [None, incident.status.value],
            "visibility": [None, incident.visibility.value],
        }
        activity.record_change(incident, "reported", snapshot, actor)
        emails.incident_reported(incident, actor=actor)
        webhooks.emit(EventType.INCIDENT_REPORTED, webhooks.incident_data(incident, actor))
    return incident


def _require_fields(incident: Incident, fields: set[str], actor: User) -> None:
    """`require` for an edit: Forbidden naming the fields whose capability `actor` lacks on
    `incident` (and for reopening without incident.reopen), Conflict for a closed report."""
    refused = sorted(name for name in fields if not can(actor, FIELD_CAPABILITIES[name], incident))
    if refused:
        raise Forbidden(f"You may not change: {', '.join(refused)}.")
    report_edits = sorted(fields & set(REPORT_FIELDS))
    # Editing the report after `reported` is a state rule for the reporter; the roles that
    # hold incident.edit_report on every incident may still correct it.
    if (
        report_edits
        and incident.status != IncidentStatus.REPORTED
        and not can(actor, Capability.INCIDENT_EDIT_REPORT)
    ):
        raise Conflict(
            f"The reporter may change {', '.join(report_edits)} only while the incident is"
            f" reported; it is {incident.status.value}.",
            errors={
                "json": {name: ["The incident is no longer reported."] for name in report_edits}
            },
        )
    if (
        "status" in fields
        and incident.status == IncidentStatus.RESOLVED
        and not can(actor, Capability.INCIDENT_REOPEN, incident)
    ):
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
    """Apply a partial edit of title, description, visibility, severity, assignee_id, lead_id,
    status. Moving a reported incident to investigating is its acknowledgement (MTTA).

    Only fields whose value differs count as changes; each needs its capability
    (FIELD_CAPABILITIES). Writes one activity row per kind of change ("updated", "assigned",
    "lead_changed", "status_changed"), all in one transaction. Raises NotFound if the incident
    is not visible, PreconditionFailed on a stale If-Match, Forbidden for fields the actor may
    not change,
    Conflict for a report edit after `reported` or an illegal transition (the message names the
    allowed ones), Unprocessable for an assignee who is not active or a lead who does not hold
    incident.lead (an active manager or admin).
    """
    with unit_of_work():
        incident = get_visible(public_id, actor)
        check_if_match(incident.etag, if_match, noun="incident")
        changed = {name for name, value in changes.items() if getattr(incident, name) != value}
        if not changed:
            return incident
        _require_fields(incident, changed, actor)
        groups: list[tuple[str, dict[str, Any]]] = []
        details = {
            n: changes[n]
            for n in ("title", "description", "visibility", "severity")
            if n in changed
        }
        if details:
            groups.append(("updated", details))
        if "assignee_id" in changed:
            groups.append(("assigned", {"assignee_id": changes["assignee_id"]}))
        if "lead_id" in changed:
            groups.append(("lead_changed", {"lead_id": changes["lead_id"]}))
        if "status" in changed:
            groups.append(("status_changed", _status_changes(incident, changes["status"])))
        people = {
            "assigned": ("assignee", _assignee(changes["assignee_id"]))
            if "assignee_id" in changed
            else None,
            "lead_changed": ("lead", _lead(changes["lead_id"])) if "lead_id" in changed else None,
        }
        status_before = incident.status
        for action, values in groups:
            person = people.get(action)
            if person is not None:
                delta = activity.diff(incident, values)
                setattr(incident, person[0], person[1])
            else:
                delta = activity.apply(incident, values)
            activity.record_change(incident, action, delta, actor)
        if "status" in changed:
            db.session.flush()  # the version of this change names the email
            emails.incident_status(
                incident, old=status_before.value, new=incident.status.value, actor=actor
            )
            webhooks.emit(
                EventType.INCIDENT_STATUS_CHANGED,
                webhooks.incident_data(
                    incident,
                    actor,
                    changes={"status": [status_before.value, incident.status.value]},
                ),
            )
    return incident


def acknowledge_by_link(*, public_id: str, token: str, actor: User) -> Incident:
    """Acknowledge an incident from the link of its email (api/incidents/links.py), as the
    link's recipient: exactly `update` with status investigating, as the incident page does.

    Raises what `links.check` raises (Unprocessable for a bad, expired or foreign token,
    NotFound, Forbidden when `actor` is not the recipient, Conflict once acknowledged), then
    what `update` raises (Forbidden when the recipient may no longer move the incident,
    PreconditionFailed when it changed since the check).
    """
    incident = links.check(public_id=public_id, token=token, actor=actor).incident
    return update(
        public_id=incident.public_id,
        changes={"status": IncidentStatus.INVESTIGATING},
        actor=actor,
        if_match=incident.etag,
    )


def respond(*, public_id: str, body: str, actor: User, public: bool = False) -> IncidentResponse:
    """Add a response as `actor` (incident.respond on an incident they can see, else
    NotFound); writes a "responded" activity row naming the new response id and emails the
    reporter and the assignee. `public` shows it on the status page: incident.publish
    (managers, admins), else Forbidden."""
    with unit_of_work():
        incident = get_visible(public_id, actor, with_users=False)
        require(actor, Capability.INCIDENT_RESPOND, incident)
        if public:
            require(actor, Capability.INCIDENT_PUBLISH, incident)
        response = IncidentResponse(incident_id=incident.id, author=actor, body=body, public=public)
        db.session.add(response)
        db.session.flush()
        activity.record_change(incident, "responded", {"response_id": [None, response.id]}, actor)
        emails.incident_response(incident, response, actor=actor)
        webhooks.emit(
            EventType.INCIDENT_RESPONDED,
            webhooks.incident_data(incident, actor, response={"id": response.id, "body": body}),
        )
    # A session that outlives this call (a CLI run, a test) must not keep the old count.
    db.session.expire(incident, ["response_count"])
    return response
