"""The post-incident review: five Markdown sections and a "done" state, written once the
incident is resolved (incident.review: managers, admins and the incident's lead,
api/incidents/rules.py), and its Markdown export with the incident's timeline."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from api.activity import service as activity
from api.db import unit_of_work, utcnow
from api.errors import Conflict
from api.extensions import db
from api.incidents.models import (
    REVIEW_FIELDS,
    Incident,
    IncidentFollowUp,
    IncidentReview,
    IncidentStatus,
)
from api.incidents.queries import get_visible
from api.permissions import Capability, can, require
from api.preconditions import check_if_match
from api.tasks.models import Task, TaskStatus
from api.users.models import User


def etag_of(incident_id: int, version: int) -> str:
    """The strong entity tag of version `version` of the review of incident `incident_id` (RFC
    9110 §8.8.3); version 0 before it is first written, so If-Match guards the first save."""
    return f'"review-{incident_id}-v{version}"'


def find(incident: Incident) -> IncidentReview | None:
    """The review of `incident` (which the caller already may see), or None before it is
    written. One statement at most."""
    return db.session.get(IncidentReview, incident.id)


def read(*, public_id: str, actor: User) -> tuple[Incident, IncidentReview | None]:
    """The incident and its review (None before one is written). Raises NotFound if the
    incident is not visible to `actor`, Unprocessable for a malformed id."""
    incident = get_visible(public_id, actor)
    return incident, find(incident)


def may_edit(incident: Incident, actor: User) -> bool:
    """Whether `actor` may write the review of `incident` now: incident.review and resolved."""
    return incident.status == IncidentStatus.RESOLVED and can(
        actor, Capability.INCIDENT_REVIEW, incident
    )


def save(
    *, public_id: str, changes: dict[str, Any], actor: User, if_match: str | None
) -> IncidentReview:
    """Write sections of the review (any of REVIEW_FIELDS, Markdown) and, with `done`, mark it
    done (True: stamps `completed_at` once) or open again (False).

    Writes a "reviewed" activity row of the incident naming the changed sections. Raises
    NotFound (incident not visible), Forbidden (no incident.review), Conflict when the incident
    is not resolved (the message says so), PreconditionFailed on a stale If-Match.
    """
    with unit_of_work():
        incident = get_visible(public_id, actor, with_users=False)
        require(actor, Capability.INCIDENT_REVIEW, incident)
        if incident.status != IncidentStatus.RESOLVED:
            raise Conflict(
                f"Write the review once the incident is resolved; it is {incident.status.value}.",
                errors={"json": {"status": ["The incident is not resolved yet."]}},
            )
        review = find(incident)
        check_if_match(
            etag_of(incident.id, review.version if review else 0), if_match, noun="review"
        )
        if review is None:
            review = IncidentReview(incident_id=incident.id, **dict.fromkeys(REVIEW_FIELDS, ""))
            db.session.add(review)
        texts = {name: changes[name] for name in REVIEW_FIELDS if name in changes}
        changed = sorted(name for name, value in texts.items() if getattr(review, name) != value)
        for name in changed:
            setattr(review, name, texts[name])
        delta: dict[str, list[Any]] = {}
        if changed:
            delta["sections"] = [None, ", ".join(n.replace("_", " ") for n in changed)]
        if "done" in changes and changes["done"] != review.done:
            delta["review"] = [
                "done" if review.done else "draft",
                "done" if changes["done"] else "draft",
            ]
            review.completed_at = utcnow() if changes["done"] else None
        if delta:
            review.updated_by_id = actor.id
            activity.record_change(incident, "reviewed", delta, actor)
    return review


def open_counts() -> dict[str, int]:
    """The stats page's figures (callers hold stats.read): {"reviews_open": resolved incidents
    whose review is not done (or not begun), "follow_ups_open": follow-up tasks not completed}.
    Two statements."""
    reviews_open = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Incident)
        .outerjoin(IncidentReview, IncidentReview.incident_id == Incident.id)
        .where(Incident.status == IncidentStatus.RESOLVED, IncidentReview.completed_at.is_(None))
    )
    follow_ups_open = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(IncidentFollowUp)
        .join(Task, Task.id == IncidentFollowUp.task_id)
        .where(Task.status != TaskStatus.COMPLETED)
    )
    return {"reviews_open": int(reviews_open or 0), "follow_ups_open": int(follow_ups_open or 0)}


def review_body(
    incident: Incident, review: IncidentReview | None, *, editable: bool
) -> dict[str, Any]:
    """The review as api.incidents.schemas.ReviewRead dumps it: each section's Markdown and
    sanitized HTML, the state (not_started, draft, done), times (UTC) and version."""
    body: dict[str, Any] = {
        "incident": incident.public_id,
        "state": "not_started" if review is None else ("done" if review.done else "draft"),
        "completed_at": review.completed_at if review else None,
        "updated_at": review.updated_at if review else None,
        "version": review.version if review else 0,
        "editable": editable,
    }
    for name in REVIEW_FIELDS:
        text = getattr(review, name) if review else ""
        body[name] = {"markdown": text, "html": str(review.html(name)) if review else ""}
    return body
