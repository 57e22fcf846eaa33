"""calendar feed tokens

Revision ID: 0010_calendar_tokens
Revises: 0008_scale
Create Date: 2026-12-01 03:30:00

Expand only: one new table, nothing existing changes, so code without calendar feeds runs
unchanged on this schema. Downgrade drops the table (every feed URL stops working).
"""

from alembic import op
import sqlalchemy as sa

import api.db


# revision identifiers, used by Alembic.
revision = "0010_calendar_tokens"
down_revision = "0008_scale"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_tokens",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_tokens_token_hash")),
    )


def downgrade():
    op.drop_table("calendar_tokens")
