"""incident follow-ups, post-incident reviews, public responses

Revision ID: 0012_incident_review
Revises: 0011_incident_lead
Create Date: 2026-12-01 03:30:00

Expand only: two new tables (`incident_follow_ups` links a task to the incident it came from,
`incident_reviews` holds one post-incident review per incident) and one column with a server
default (`incident_responses.public`, false), so code that predates them runs unchanged on this
schema. The tasks table is not altered: the link lives in its own table. Downgrade drops them.
"""

from alembic import op
import sqlalchemy as sa

import api.db


# revision identifiers, used by Alembic.
revision = "0012_incident_review"
down_revision = "0011_incident_lead"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incident_follow_ups",
        sa.Column("task_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_follow_ups_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_incident_follow_ups_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_incident_follow_ups")),
    )
    op.create_index(
        "ix_incident_follow_ups_incident_id_task_id",
        "incident_follow_ups",
        ["incident_id", "task_id"],
    )
    op.create_table(
        "incident_reviews",
        sa.Column("incident_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("went_well", sa.Text(), nullable=False),
        sa.Column("to_improve", sa.Text(), nullable=False),
        sa.Column("completed_at", api.db.UTCDateTime(), nullable=True),
        sa.Column("updated_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_reviews_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_incident_reviews_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_reviews")),
    )
    op.create_index("ix_incident_reviews_completed_at", "incident_reviews", ["completed_at"])
    # A plain ADD COLUMN with a default: no table rebuild on SQLite (its FTS5 triggers stay).
    op.add_column(
        "incident_responses",
        sa.Column("public", sa.Boolean(), server_default="0", nullable=False),
    )


def downgrade():
    with op.batch_alter_table("incident_responses", schema=None) as batch_op:
        batch_op.drop_column("public")
    # Each table takes its indexes with it (MariaDB refuses to drop one a foreign key uses).
    op.drop_table("incident_reviews")
    op.drop_table("incident_follow_ups")
