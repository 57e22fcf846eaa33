"""projects, members, labels, several assignees per task

Revision ID: 0005_projects
Revises: 0004_linked_identities
Create Date: 2026-12-01 01:20:00

Expand only: new tables, and two nullable columns on tasks (project_id, number). The upgrade
creates the General project (key GEN), makes every active user a member of it (administrators
and managers as leads, employees as members), files every existing task into it with numbers
1..n in id order, and copies each task's assignee_id into task_assignees.

Code older than this revision keeps running on the new schema: it inserts tasks without a
project (project_id NULL) and keeps writing tasks.assignee_id. The new code treats a task with
a NULL project as a General task (api/tasks/rules.py) and files it there with the next GEN
number when it is next written or read through the projects job (api.projects.numbering
`file_unfiled`). A later contract release may make project_id and number NOT NULL and drop
tasks.assignee_id.
"""

from alembic import op
import sqlalchemy as sa

import api.db


revision = "0005_projects"
down_revision = "0004_linked_identities"
branch_labels = None
depends_on = None


def _role(length=20):
    return sa.Enum(
        "lead", "member", "viewer", name="projectrole", native_enum=False, length=length,
        create_constraint=False,
    )


def upgrade():
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("next_number", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", api.db.UTCDateTime(), nullable=False),
        sa.Column("archived_at", api.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("key", name=op.f("uq_projects_key")),
    )
    op.create_table(
        "project_members",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", _role(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"],
            name=op.f("fk_project_members_project_id_projects"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_project_members_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_project_members")),
    )
    op.create_index(
        "ix_project_members_user_id_project_id", "project_members", ["user_id", "project_id"]
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"],
            name=op.f("fk_labels_project_id_projects"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_labels_project_id_name")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tasks_project_id_projects"), "projects", ["project_id"], ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_tasks_project_id_number"), ["project_id", "number"]
        )
    op.create_table(
        "task_assignees",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"],
            name=op.f("fk_task_assignees_task_id_tasks"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_task_assignees_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "user_id", name=op.f("pk_task_assignees")),
    )
    op.create_index("ix_task_assignees_user_id_task_id", "task_assignees", ["user_id", "task_id"])
    op.create_table(
        "task_labels",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_id"], ["labels.id"],
            name=op.f("fk_task_labels_label_id_labels"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"],
            name=op.f("fk_task_labels_task_id_tasks"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "label_id", name=op.f("pk_task_labels")),
    )
    op.create_index("ix_task_labels_label_id_task_id", "task_labels", ["label_id", "task_id"])
    _fill_general()


def _fill_general():
    """The General project, its members, its tasks numbered 1..n, and their assignees."""
    from datetime import UTC, datetime

    conn = op.get_bind()
    projects = sa.table(
        "projects",
        sa.column("id", sa.Integer), sa.column("key", sa.String), sa.column("name", sa.String),
        sa.column("description", sa.Text), sa.column("next_number", sa.Integer),
        sa.column("created_at", api.db.UTCDateTime()),
    )
    conn.execute(
        projects.insert().values(
            key="GEN", name="General", description="Every task from before projects.",
            next_number=1, created_at=datetime.now(UTC),
        )
    )
    gen_id = conn.execute(sa.select(projects.c.id).where(projects.c.key == "GEN")).scalar_one()
    conn.execute(
        sa.text(
            "INSERT INTO project_members (project_id, user_id, role) "
            "SELECT :gen, id, CASE WHEN role IN ('admin', 'manager') THEN 'lead' ELSE 'member' END "
            "FROM users WHERE status = 'active'"
        ),
        {"gen": gen_id},
    )
    task_ids = conn.execute(sa.text("SELECT id FROM tasks ORDER BY id")).scalars().all()
    if task_ids:
        conn.execute(
            sa.text("UPDATE tasks SET project_id = :gen, number = :number WHERE id = :id"),
            [{"gen": gen_id, "number": n, "id": tid} for n, tid in enumerate(task_ids, 1)],
        )
    conn.execute(
        sa.text("UPDATE projects SET next_number = :next WHERE id = :gen"),
        {"next": len(task_ids) + 1, "gen": gen_id},
    )
    conn.execute(
        sa.text(
            "INSERT INTO task_assignees (task_id, user_id, position) "
            "SELECT id, assignee_id, 0 FROM tasks WHERE assignee_id IS NOT NULL"
        )
    )


def downgrade():
    op.drop_table("task_labels")
    op.drop_table("task_assignees")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tasks_project_id_projects"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_tasks_project_id_number"), type_="unique")
        batch_op.drop_column("number")
        batch_op.drop_column("project_id")
    op.drop_table("labels")
    op.drop_table("project_members")
    op.drop_table("projects")
