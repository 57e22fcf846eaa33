"""task comments, mentions, watchers, in-app notifications and their preferences

Revision ID: 0006_collaboration
Revises: 0005_projects
Create Date: 2026-12-01 00:56:40

Expand only: five new tables, nothing existing changes, so code without issue 14 runs unchanged
on this schema. Downgrade drops the five tables (their rows go with them).
"""

from alembic import op
import sqlalchemy as sa

import api.db


# revision identifiers, used by Alembic.
revision = "0006_collaboration"
down_revision = "0005_projects"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "assigned",
                "mentioned",
                "commented",
                "status_changed",
                "incident_reported",
                "incident_responded",
                "incident_status",
                name="notificationkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum("in_app", "email", "both", "off", name="channel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "task_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("edited_at", api.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_task_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_comments_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_comments")),
    )
    with op.batch_alter_table("task_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_comments_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_task_comments_task_id_id", ["task_id", "id"], unique=False)

    op.create_table(
        "task_watchers",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_watchers_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_task_watchers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "user_id", name=op.f("pk_task_watchers")),
    )
    with op.batch_alter_table("task_watchers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_watchers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "assigned",
                "mentioned",
                "commented",
                "status_changed",
                "incident_reported",
                "incident_responded",
                "incident_status",
                name="notificationkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("excerpt", sa.String(length=255), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("read_at", api.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_notifications_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["task_comments.id"],
            name=op.f("fk_notifications_comment_id_task_comments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_notifications_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_notifications_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notifications_task_id"), ["task_id"], unique=False)
        batch_op.create_index(
            "ix_notifications_user_id_read_at_id", ["user_id", "read_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_user_id_task_id_created_at",
            ["user_id", "task_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "task_comment_mentions",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["task_comments.id"],
            name=op.f("fk_task_comment_mentions_comment_id_task_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_task_comment_mentions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("comment_id", "user_id", name=op.f("pk_task_comment_mentions")),
    )
    with op.batch_alter_table("task_comment_mentions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_task_comment_mentions_user_id"), ["user_id"], unique=False
        )


def downgrade():
    # Dropping a table drops its indexes; MariaDB refuses to drop alone an index a foreign key uses.
    for table in (
        "task_comment_mentions",
        "notifications",
        "task_watchers",
        "task_comments",
        "notification_preferences",
    ):
        op.drop_table(table)
