"""incident lead and escalations

Revision ID: 0011_incident_lead
Revises: 0010_calendar_tokens
Create Date: 2026-12-01 03:18:19

Expand only: a nullable `incidents.lead_id` (indexed, SET NULL when the person is deleted) and
the new table `incident_escalations` (one row per escalation level an incident reached, unique
per incident and level). Code that predates it neither reads nor writes either, and runs
unchanged. Downgrade drops both (the escalation history goes with them).
"""

from alembic import op
import sqlalchemy as sa

import api.db


# revision identifiers, used by Alembic.
revision = "0011_incident_lead"
down_revision = "0010_calendar_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incident_escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("escalated_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("notified", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_escalations_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_escalations")),
        sa.UniqueConstraint(
            "incident_id", "level", name=op.f("uq_incident_escalations_incident_id_level")
        ),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lead_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_incidents_lead_id"), ["lead_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_incidents_lead_id_users"),
            "users",
            ["lead_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_incidents_lead_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_incidents_lead_id"))
        batch_op.drop_column("lead_id")
    op.drop_table("incident_escalations")
