"""Incident schemas: report, update, read, the list query, responses and statistics."""

from __future__ import annotations

from marshmallow import Schema, fields, validate, validates

from api.incidents.filters import SCOPES, SORTS
from api.incidents.models import IncidentStatus, Severity, Visibility
from api.input_rules import Moment, visible
from api.schemas import CursorPageQuery, ObjectSchema, Person, page_of
from api.tasks.models import TaskStatus

TITLE = validate.Length(min=1, max=200)
DESCRIPTION = validate.Length(max=20_000)
BODY = validate.Length(min=1, max=10_000)
PERSON_ID = validate.Range(min=1, max=2**63 - 1)  # a user id the database can compare (BIGINT)


def _not_blank(value: str) -> None:
    visible(value)


class IncidentCreate(Schema):
    """A new report; the reporter is the caller."""

    title = fields.String(required=True, validate=TITLE)
    description = fields.String(load_default="", validate=DESCRIPTION)
    severity = fields.Enum(Severity, by_value=True, load_default=Severity.MEDIUM)
    visibility = fields.Enum(Visibility, by_value=True, load_default=Visibility.PUBLIC)

    @validates("title")
    def _title_not_blank(self, value: str, **_: object) -> None:
        _not_blank(value)


class IncidentUpdate(Schema):
    """A partial edit; send only the fields that change.

    The reporter may change title, description and visibility while the incident is reported;
    managers, admins, the assignee and the lead change severity, assignee_id, lead_id and
    status.
    """

    title = fields.String(validate=TITLE)
    description = fields.String(validate=DESCRIPTION)
    visibility = fields.Enum(Visibility, by_value=True)
    severity = fields.Enum(Severity, by_value=True)
    status = fields.Enum(IncidentStatus, by_value=True)
    assignee_id = fields.Integer(allow_none=True, validate=PERSON_ID)
    lead_id = fields.Integer(
        allow_none=True,
        validate=PERSON_ID,
        metadata={"description": "The lead: an active manager or admin; null for nobody."},
    )

    @validates("title")
    def _title_not_blank(self, value: str, **_: object) -> None:
        _not_blank(value)


class IncidentRead(ObjectSchema):
    public_id = fields.String(metadata={"description": "The incident's id in every URL (UUID)."})
    title = fields.String()
    description = fields.String()
    severity = fields.Enum(Severity, by_value=True)
    status = fields.Enum(IncidentStatus, by_value=True)
    visibility = fields.Enum(Visibility, by_value=True)
    reporter = Person()
    assignee = Person()
    lead = Person(metadata={"description": "Who runs the response (a manager or an admin)."})
    reported_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    response_count = fields.Integer()
    version = fields.Integer()


IncidentPage = page_of(IncidentRead, "IncidentPage", cursors=True)


class IncidentQuery(CursorPageQuery):
    scope = fields.String(
        validate=validate.OneOf(SCOPES),
        metadata={
            "description": "mine: reported by or assigned to you; public: others' incidents you"
            " may see; all: managers and admins. Absent: every incident you may see."
        },
    )
    status = fields.List(fields.Enum(IncidentStatus, by_value=True))
    severity = fields.List(fields.Enum(Severity, by_value=True))
    visibility = fields.Enum(Visibility, by_value=True)
    reported_from = Moment()
    reported_to = Moment()
    q = fields.String(validate=validate.Length(min=1, max=200))
    lead = fields.Integer(
        validate=PERSON_ID,
        metadata={"description": "Only the incidents this person (a user id) leads."},
    )
    sort = fields.String(load_default="-reported", validate=validate.OneOf(SORTS))


class AcknowledgeLink(Schema):
    """The token of an incident email's acknowledge link (its `token` query parameter)."""

    token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "The `token` of the link in the email, as it is."},
    )


class ResponseCreate(Schema):
    body = fields.String(required=True, validate=BODY)
    public = fields.Boolean(
        load_default=False,
        metadata={"description": "Show it on the public status page (managers and admins)."},
    )

    @validates("body")
    def _body_not_blank(self, value: str, **_: object) -> None:
        _not_blank(value)


class ResponseRead(ObjectSchema):
    id = fields.Integer()
    body = fields.String()
    body_html = fields.String(
        metadata={"description": "The body (Markdown) rendered to sanitized HTML."}
    )
    author = Person()
    created_at = fields.DateTime()
    public = fields.Boolean(metadata={"description": "Shown on the public status page."})


ResponsePage = page_of(ResponseRead, "IncidentResponsePage")


class Durations(Schema):
    median_seconds = fields.Float(allow_none=True)
    mean_seconds = fields.Float(allow_none=True)
    count = fields.Integer(metadata={"description": "Incidents the figures are computed from."})


class IncidentStats(Schema):
    open_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    open_by_severity = fields.Dict(keys=fields.String(), values=fields.Integer())
    window_days = fields.Integer()
    mtta = fields.Nested(
        Durations,
        metadata={
            "description": "Reported → acknowledged, over incidents acknowledged in the window."
        },
    )
    mttr = fields.Nested(
        Durations,
        metadata={"description": "Reported → resolved, over incidents resolved in the window."},
    )
    reviews_open = fields.Integer(
        metadata={"description": "Resolved incidents whose post-incident review is not done."}
    )
    follow_ups_open = fields.Integer(
        metadata={"description": "Follow-up tasks of incidents that are not completed."}
    )


SECTION = validate.Length(max=20_000)


class ReviewUpdate(Schema):
    """Sections of the post-incident review (Markdown) and its done state; send only what
    changes. The incident must be resolved."""

    summary = fields.String(validate=SECTION)
    impact = fields.String(validate=SECTION)
    root_cause = fields.String(validate=SECTION)
    went_well = fields.String(validate=SECTION)
    to_improve = fields.String(validate=SECTION)
    done = fields.Boolean(metadata={"description": "True marks the review done; false reopens."})


class ReviewSection(Schema):
    markdown = fields.String()
    html = fields.String(metadata={"description": "The Markdown rendered to sanitized HTML."})


class ReviewRead(Schema):
    incident = fields.String(metadata={"description": "The incident's public_id."})
    state = fields.String(
        metadata={"description": "not_started (nothing written yet), draft or done."}
    )
    summary = fields.Nested(ReviewSection)
    impact = fields.Nested(ReviewSection)
    root_cause = fields.Nested(ReviewSection)
    went_well = fields.Nested(ReviewSection)
    to_improve = fields.Nested(ReviewSection)
    completed_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    version = fields.Integer(metadata={"description": "0 before the review is first written."})
    editable = fields.Boolean(metadata={"description": "Whether you may edit it now."})


class FollowUpRead(ObjectSchema):
    id = fields.Integer()
    ref = fields.String(allow_none=True)
    title = fields.String()
    status = fields.Enum(TaskStatus, by_value=True)
    project = fields.String(attribute="project_key", allow_none=True)
