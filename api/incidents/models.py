"""Incidents and their responses (shared/design.md §3)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from api import markup
from api.db import str_enum, utcnow
from api.extensions import db
from api.users.models import User


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_RANK = {
    Severity.LOW: 0,
    Severity.MEDIUM: 1,
    Severity.HIGH: 2,
    Severity.CRITICAL: 3,
}


class IncidentStatus(StrEnum):
    REPORTED = "reported"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"


class Visibility(StrEnum):
    PUBLIC = "public"
    RESTRICTED = "restricted"


def new_public_id() -> str:
    """A random UUID in its canonical lower-case 36-character form."""
    return str(uuid.uuid4())


class Incident(db.Model):
    """Something that went wrong, reported by anyone; `public_id` is the only id in URLs.

    `acknowledged_at` is the first move to investigating and never changes afterwards;
    `resolved_at` is the latest move to resolved and is cleared on reopening. `version`
    drives optimistic concurrency (ETag / If-Match, RFC 9110 §13).
    """

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(36), unique=True, default=new_public_id)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    severity: Mapped[Severity] = mapped_column(
        str_enum(Severity), default=Severity.MEDIUM, index=True
    )
    status: Mapped[IncidentStatus] = mapped_column(
        str_enum(IncidentStatus), default=IncidentStatus.REPORTED, index=True
    )
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility), default=Visibility.PUBLIC, index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    # The person who runs the response: an active holder of incident.lead (managers, admins),
    # set by whoever triages; they may move the status and triage (api/incidents/rules.py).
    lead_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    reported_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    version: Mapped[int] = mapped_column(default=1)

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id], lazy="raise")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="raise")
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id], lazy="raise")

    __mapper_args__ = {"version_id_col": version}

    @property
    def etag(self) -> str:
        """The strong entity tag of this version (RFC 9110 §8.8.3)."""
        return self.etag_of(self.public_id, self.version)

    @staticmethod
    def etag_of(public_id: str, version: int) -> str:
        """The entity tag of version `version` of incident `public_id`."""
        return f'"incident-{public_id}-v{version}"'


class IncidentResponse(db.Model):
    """A note someone who can see the incident added to it; `body` is plain text."""

    __tablename__ = "incident_responses"
    __table_args__ = (sa.Index("ix_incident_responses_incident_id_id", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Shown on the public status page (/status) when true; only staff flag it (incident.publish).
    public: Mapped[bool] = mapped_column(default=False, server_default="0")

    author: Mapped[User | None] = relationship(lazy="raise")

    @property
    def body_html(self) -> Markup:
        """The body as Markdown rendered to sanitized HTML (api/markup.py)."""
        return markup.render(self.body)


class IncidentEscalation(db.Model):
    """One escalation level reached by an unacknowledged incident (api/incidents/escalation.py).

    The unique (incident_id, level) pair is what makes each level happen once, however many
    escalation runs overlap: the run whose insert wins notifies that level; the others skip it.
    `notified` counts the people the level's email was queued for.
    """

    __tablename__ = "incident_escalations"
    __table_args__ = (sa.UniqueConstraint("incident_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column()
    escalated_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified: Mapped[int] = mapped_column(default=0)


class IncidentFollowUp(db.Model):
    """The link from a follow-up task to the incident it came from (one incident per task)."""

    __tablename__ = "incident_follow_ups"
    __table_args__ = (
        sa.Index("ix_incident_follow_ups_incident_id_task_id", "incident_id", "task_id"),
    )

    task_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


REVIEW_FIELDS = ("summary", "impact", "root_cause", "went_well", "to_improve")
REVIEW_LABELS = {
    "summary": "Summary",
    "impact": "Impact",
    "root_cause": "Root cause",
    "went_well": "What went well",
    "to_improve": "What to improve",
}


class IncidentReview(db.Model):
    """The post-incident review of a resolved incident: five Markdown sections (REVIEW_FIELDS),
    done once `completed_at` is set. `version` drives If-Match like the incident's."""

    __tablename__ = "incident_reviews"

    incident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    impact: Mapped[str] = mapped_column(sa.Text, default="")
    root_cause: Mapped[str] = mapped_column(sa.Text, default="")
    went_well: Mapped[str] = mapped_column(sa.Text, default="")
    to_improve: Mapped[str] = mapped_column(sa.Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def done(self) -> bool:
        """Whether the review is marked done."""
        return self.completed_at is not None

    def html(self, field: str) -> Markup:
        """Section `field` (one of REVIEW_FIELDS) as sanitized HTML (api/markup.py)."""
        return markup.render(getattr(self, field))


# The number of responses: a correlated subquery that the queries which serialise incidents
# load in the incident's own SELECT (`undefer`), so that a list page keeps its fixed statement
# count however many responses there are. Deferred, so that a page's COUNT does not compute it.
Incident.response_count = column_property(
    sa.select(sa.func.count(IncidentResponse.id))
    .where(IncidentResponse.incident_id == Incident.id)
    .correlate_except(IncidentResponse)
    .scalar_subquery(),
    deferred=True,
)
