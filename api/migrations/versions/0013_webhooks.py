"""webhooks: registered endpoints and their delivery outbox

Revision ID: 0013_webhooks
Revises: 0012_incident_review
Create Date: 2026-12-01 03:30:00

Expand only: two new tables. Code that predates them never reads them.
"""

from alembic import op
import sqlalchemy as sa

import api.db


# revision identifiers, used by Alembic.
revision = "0013_webhooks"
down_revision = "0012_incident_review"
branch_labels = None
depends_on = None

EVENT_TYPES = (
    "task.created",
    "task.updated",
    "task.assigned",
    "task.completed",
    "comment.created",
    "incident.reported",
    "incident.status_changed",
    "incident.responded",
    "incident.escalated",
)


def _enum(*values, name, length=20):
    return sa.Enum(*values, name=name, native_enum=False, length=length)


def upgrade():
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("format", _enum("standard", "slack", name="webhookformat"), nullable=False),
        sa.Column("event_types", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", api.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_webhooks_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("dedupe_key", sa.String(length=100), nullable=False),
        sa.Column("event_type", _enum(*EVENT_TYPES, name="eventtype", length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            _enum("pending", "sending", "delivered", "failed", "dead", name="deliverystatus"),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("locked_until", api.db.UTCDateTime(), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_response", sa.String(length=1000), nullable=True),
        sa.Column("retry_until", api.db.UTCDateTime(), nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", api.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["webhooks.id"],
            name=op.f("fk_webhook_deliveries_webhook_id_webhooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_webhook_deliveries_dedupe_key")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_claim_token"), ["claim_token"], unique=False
        )
        batch_op.create_index(
            "ix_webhook_deliveries_status_next_attempt_at", ["status", "next_attempt_at"]
        )
        batch_op.create_index(
            "ix_webhook_deliveries_webhook_id_created_at", ["webhook_id", "created_at"]
        )


def downgrade():
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
