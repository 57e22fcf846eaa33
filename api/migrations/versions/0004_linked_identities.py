"""linked sign-in identities (OpenID Connect)

Revision ID: 0004_linked_identities
Revises: 0003_outbox
Create Date: 2026-11-30 19:30:00

Expand only: a new table. Accounts created through a provider keep a non-null password hash
(an unusable marker that no password verifies), so code without single sign-on runs unchanged
on this schema.
"""

from alembic import op
import sqlalchemy as sa

import api.db


# revision identifiers, used by Alembic.
revision = "0004_linked_identities"
down_revision = "0003_outbox"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "linked_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", api.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_linked_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linked_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_linked_identities_issuer_subject")),
        sa.UniqueConstraint("user_id", "issuer", name=op.f("uq_linked_identities_user_id_issuer")),
    )


def downgrade():
    op.drop_table("linked_identities")
