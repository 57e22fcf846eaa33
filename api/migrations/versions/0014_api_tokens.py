"""personal access tokens

Revision ID: 0014_api_tokens
Revises: 0013_webhooks
Create Date: 2026-12-01 03:30:00

Expand only: a new table. Code that predates it never reads it, and a `tdp_` Bearer token sent
to that code is refused as an invalid JWT.
"""

from alembic import op
import sqlalchemy as sa

import api.db


# revision identifiers, used by Alembic.
revision = "0014_api_tokens"
down_revision = "0013_webhooks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "personal_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", api.db.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", api.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_personal_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_personal_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_personal_tokens_user_id"), "personal_tokens", ["user_id"], unique=False
    )


def downgrade():
    # The index goes with the table (MariaDB refuses to drop it alone: the foreign key needs it).
    op.drop_table("personal_tokens")
