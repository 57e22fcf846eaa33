"""saved views; full-text search of comments, incidents and incident responses

Revision ID: 0015_saved_views
Revises: 0014_api_tokens
Create Date: 2026-12-01 03:40:00

Expand only: a new table (`saved_views`) and full-text structures on three existing tables (a
FULLTEXT index each on MariaDB / MySQL; an FTS5 table and its triggers on SQLite,
api/fulltext.py). Code that predates it neither reads them nor minds them: the FTS5 triggers
follow its writes by themselves. Downgrade drops both (saved views go with the table).
"""

from alembic import op
import sqlalchemy as sa

from api import fulltext
import api.db


# revision identifiers, used by Alembic.
revision = "0015_saved_views"
down_revision = "0014_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("sort", sa.String(length=20), nullable=True),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", api.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_saved_views_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_saved_views_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
    )
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_views_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_saved_views_project_id"), ["project_id"], unique=False)
    fulltext.create(op, "0015_saved_views")


def downgrade():
    fulltext.drop(op, "0015_saved_views")
    # its indexes go with it (MariaDB refuses to drop an index a foreign key needs)
    op.drop_table("saved_views")
