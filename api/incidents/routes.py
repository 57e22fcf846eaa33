"""Incident endpoints under /api/v1/incidents; `public_id` (a UUID) names an incident."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from werkzeug.routing import UnicodeConverter

from api.activity.schemas import ActivityRead
from api.guards import current, login_required
from api.incidents import followups, queries, reviews, schemas, service
from api.incidents.filters import IncidentFilter
from api.incidents.review_views import review_markdown
from api.permissions import Capability
from api.schemas import PageQuery
from api.tasks.schemas import TaskCreate, TaskRead

blp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents", description="Incidents")


class PublicIdConverter(UnicodeConverter):
    """A path segment that names an incident: documented as a UUID, validated by the service.

    It matches any segment on purpose, so that a malformed id reaches `parse_public_id` and
    answers 422 naming `public_id` rather than a bare 404.
    """


def public_id_schema(_converter: PublicIdConverter) -> dict[str, str]:
    """The OpenAPI schema of a `public_id` path parameter."""
    return {"type": "string", "format": "uuid"}


def _with_etag(incident):
    return incident, 200, {"ETag": incident.etag}


@blp.get("")
@login_required()
@blp.arguments(schemas.IncidentQuery(), location="query")
@blp.response(200, schemas.IncidentPage)
def list_incidents(query: dict):
    """List the incidents you may see: scope, filters, sort and pagination."""
    return queries.list_incidents(
        filters=IncidentFilter.from_query(query),
        actor=current(),
        page=query["page"],
        page_size=query["page_size"],
        cursor=query.get("cursor"),
    )


@blp.post("")
@login_required(Capability.INCIDENT_REPORT)
@blp.arguments(schemas.IncidentCreate())
@blp.response(201, schemas.IncidentRead)
def report_incident(data: dict):
    """Report an incident; you are its reporter."""
    incident = service.report(data=data, actor=current())
    return (
        incident,
        201,
        {"ETag": incident.etag, "Location": f"/api/v1/incidents/{incident.public_id}"},
    )


@blp.get("/<public_id:public_id>")
@login_required()
@blp.response(200, schemas.IncidentRead)
def get_incident(public_id: str):
    """Read an incident; the ETag names its version for If-Match."""
    return _with_etag(queries.get_visible(public_id, current()))


@blp.patch("/<public_id:public_id>")
@login_required()
@blp.arguments(schemas.IncidentUpdate())
@blp.response(200, schemas.IncidentRead)
@blp.alt_response(409, description="Illegal status transition, or the report is closed")
@blp.alt_response(412, description="If-Match names a stale version")
def update_incident(data: dict, public_id: str):
    """Edit the report, or change status, severity and assignee (If-Match honoured)."""
    return _with_etag(
        service.update(
            public_id=public_id,
            changes=data,
            actor=current(),
            if_match=request.headers.get("If-Match"),
        )
    )


@blp.get("/<public_id:public_id>/responses")
@login_required()
@blp.arguments(PageQuery(), location="query")
@blp.response(200, schemas.ResponsePage)
def list_responses(query: dict, public_id: str):
    """The incident's responses, oldest first."""
    return queries.list_responses(
        public_id=public_id,
        actor=current(),
        page=query["page"],
        page_size=query["page_size"],
    )


@blp.post("/<public_id:public_id>/responses")
@login_required(Capability.INCIDENT_RESPOND)
@blp.arguments(schemas.ResponseCreate())
@blp.response(201, schemas.ResponseRead)
def respond(data: dict, public_id: str):
    """Respond to an incident you can see."""
    return service.respond(
        public_id=public_id, body=data["body"], actor=current(), public=data["public"]
    )


@blp.get("/<public_id:public_id>/activity")
@login_required()
@blp.response(200, ActivityRead(many=True))
def incident_activity(public_id: str):
    """The incident's timeline, oldest first."""
    return queries.timeline(public_id=public_id, actor=current())


@blp.post("/<public_id:public_id>/acknowledge")
@login_required()
@blp.arguments(schemas.AcknowledgeLink())
@blp.response(200, schemas.IncidentRead)
@blp.alt_response(403, description="The link was sent to someone else")
@blp.alt_response(409, description="The incident was already acknowledged: the link is spent")
def acknowledge(data: dict, public_id: str):
    """Acknowledge an incident with the token of your email's acknowledge link.

    It moves the incident to investigating, as the status change does. Each link is its
    recipient's alone, works once (any acknowledgement spends every link of the incident) and
    expires after INCIDENT_ACK_LINK_TTL seconds.
    """
    return _with_etag(
        service.acknowledge_by_link(public_id=public_id, token=data["token"], actor=current())
    )


@blp.get("/<public_id:public_id>/follow-ups")
@login_required()
@blp.response(200, schemas.FollowUpRead(many=True))
def list_follow_ups(public_id: str):
    """The incident's follow-up tasks that you may see, oldest first, with their status."""
    incident = queries.get_visible(public_id, current(), with_users=False)
    return followups.list_for(incident, current())


@blp.post("/<public_id:public_id>/follow-ups")
@login_required(Capability.INCIDENT_FOLLOW_UP)
@blp.arguments(TaskCreate())
@blp.response(201, TaskRead)
def create_follow_up(data: dict, public_id: str):
    """Create a follow-up task of the incident in a project where you may create tasks."""
    task = followups.create(public_id=public_id, data=data, actor=current())
    return task, 201, {"ETag": task.etag, "Location": f"/api/v1/tasks/{task.id}"}


def _review(public_id: str):
    incident, review = reviews.read(public_id=public_id, actor=current())
    body = reviews.review_body(incident, review, editable=reviews.may_edit(incident, current()))
    return body, 200, {"ETag": reviews.etag_of(incident.id, body["version"])}


@blp.get("/<public_id:public_id>/review")
@login_required()
@blp.response(200, schemas.ReviewRead)
def get_review(public_id: str):
    """The post-incident review (state not_started before anyone writes it)."""
    return _review(public_id)


@blp.patch("/<public_id:public_id>/review")
@login_required(Capability.INCIDENT_REVIEW)
@blp.arguments(schemas.ReviewUpdate())
@blp.response(200, schemas.ReviewRead)
@blp.alt_response(409, description="The incident is not resolved")
@blp.alt_response(412, description="If-Match names a stale version")
def update_review(data: dict, public_id: str):
    """Write sections of the review (Markdown) or mark it done; the incident must be resolved."""
    reviews.save(
        public_id=public_id,
        changes=data,
        actor=current(),
        if_match=request.headers.get("If-Match"),
    )
    return _review(public_id)


@blp.get("/<public_id:public_id>/review.md")
@login_required()
@blp.doc(
    responses={
        "200": {
            "description": "The review as a Markdown file (attachment)",
            "content": {"text/markdown": {"schema": {"type": "string"}}},
        }
    }
)
def export_review(public_id: str):
    """The review with the incident's facts, follow-ups and timeline, as Markdown."""
    incident, review = reviews.read(public_id=public_id, actor=current())
    return review_markdown(incident, review, current())
