"""scale: list indexes, full-text search structures, task counters

Revision ID: 0008_scale
Revises: 0006_collaboration
Create Date: 2026-12-01 00:45:00

Expand only: new indexes, a FULLTEXT index per searched table on MariaDB / MySQL (an FTS5 table
and its triggers on SQLite; api/fulltext.py), and the `task_counts` table filled from the tasks
and `task_deadline_counts` filled from the tasks
(api/tasks/counters.py keeps them from then on). Code that predates it runs unchanged: it neither
reads the new structures nor minds them (the FTS5 triggers follow its writes by themselves).

Deploying with the previous code still serving: tasks written between this backfill and the new
code taking over are not counted; run `flask recount-tasks` once the new code
serves alone.
"""

from alembic import op
import sqlalchemy as sa

from api import fulltext
import api.db


# revision identifiers, used by Alembic.
revision = "0008_scale"
down_revision = "0006_collaboration"
branch_labels = None
depends_on = None

TASK_INDEXES = {
    "ix_tasks_status_created_at": ["status", "created_at"],
    "ix_tasks_assignee_id_created_at": ["assignee_id", "created_at"],
    "ix_tasks_assignee_id_deadline": ["assignee_id", "deadline"],
    "ix_tasks_priority_created_at": ["priority", "created_at"],
    "ix_tasks_completed_at": ["completed_at"],
    "ix_tasks_title": ["title"],
    # the list shapes of one project (?project=KEY): each sort of tasks/queries.py `_sorts`
    "ix_tasks_project_id_created_at": ["project_id", "created_at"],
    "ix_tasks_project_id_deadline": ["project_id", "deadline"],
    "ix_tasks_project_id_priority": ["project_id", "priority"],
    "ix_tasks_project_id_status_created_at": ["project_id", "status", "created_at"],
    # overdue (status, then the visible projects, then a deadline range): an index-only count;
    # (status, deadline, project_id) would tempt the planner away from (status, deadline) for
    # the id-ordered no-deadline segment of ?status=…&sort=deadline (a filesort)
    "ix_tasks_status_project_id_deadline": ["status", "project_id", "deadline"],
}

# Once per task (assignee 0) and once per assignee: api/tasks/counters.py.
PER_TASK_AND_ASSIGNEE = (
    "SELECT COALESCE(project_id, 0) AS project_id, 0 AS assignee_id, status, deadline "
    "FROM tasks UNION ALL "
    "SELECT COALESCE(t.project_id, 0), a.user_id, t.status, t.deadline "
    "FROM tasks t JOIN task_assignees a ON a.task_id = t.id"
)


def upgrade():
    for name, columns in TASK_INDEXES.items():
        op.create_index(name, "tasks", columns)
    op.create_index("ix_incidents_updated_at", "incidents", ["updated_at"])
    op.create_table(
        "task_counts",
        sa.Column("project_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("n", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("project_id", "assignee_id", "status", name=op.f("pk_task_counts")),
    )
    # Names and SQL of this migration only: no input reaches these statements.
    op.execute(
        "INSERT INTO task_counts (project_id, assignee_id, status, n) "  # nosec B608
        f"SELECT project_id, assignee_id, status, COUNT(*) FROM ({PER_TASK_AND_ASSIGNEE}) r "
        "GROUP BY project_id, assignee_id, status"
    )
    op.create_table(
        "task_deadline_counts",
        sa.Column("project_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id", "assignee_id", "day", name=op.f("pk_task_deadline_counts")
        ),
    )
    op.execute(
        "INSERT INTO task_deadline_counts (project_id, assignee_id, day, n) "  # nosec B608
        "SELECT project_id, assignee_id, DATE(deadline), COUNT(*) "
        f"FROM ({PER_TASK_AND_ASSIGNEE}) r "
        "WHERE deadline IS NOT NULL AND status IN ('pending', 'in_progress') "
        "GROUP BY project_id, assignee_id, DATE(deadline)"
    )
    fulltext.create(op, "0008_scale")


def downgrade():
    fulltext.drop(op, "0008_scale")
    op.drop_table("task_deadline_counts")
    op.drop_table("task_counts")
    op.drop_index("ix_incidents_updated_at", table_name="incidents")
    for name in reversed(TASK_INDEXES):
        op.drop_index(name, table_name="tasks")
