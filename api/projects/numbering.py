"""Task numbers per project, race-safe on MariaDB and SQLite (issue 14).

`allocate` takes the project's counter row with `UPDATE projects SET next_number =
next_number + 1`: on InnoDB that UPDATE holds the row's exclusive lock until the transaction
ends, so a second writer waits and then reads the incremented value; SQLite has one writer at a
time. The unique (project_id, number) constraint of tasks backs it up. Call inside the unit of
work that writes the task.
"""

from __future__ import annotations

import sqlalchemy as sa

from api.extensions import db
from api.projects.models import GENERAL_KEY, Project


def allocate(project_id: int) -> int:
    """The next task number of project `project_id` (1, 2, ...); the counter moves on at once.

    Raises LookupError when the project does not exist.
    """
    updated = db.session.execute(
        sa.update(Project)
        .where(Project.id == project_id)
        .values(next_number=Project.next_number + 1)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        raise LookupError(f"no project {project_id}")
    number = db.session.scalar(sa.select(Project.next_number - 1).where(Project.id == project_id))
    return int(number)


def ensure_general() -> Project:
    """The General project (GEN), created when missing (an empty database, a test)."""
    general = db.session.scalar(sa.select(Project).where(Project.key == GENERAL_KEY))
    if general is None:
        general = Project(key=GENERAL_KEY, name="General", description="")
        db.session.add(general)
        db.session.flush()
    return general


def file_unfiled(limit: int = 1000) -> int:
    """File tasks with no project (written by code older than migration 0005) into the
    General project with its next numbers; returns how many. Call in a unit of work."""
    from api.tasks.models import Task  # tasks import projects; this module is called late

    ids = db.session.scalars(
        sa.select(Task.id).where(Task.project_id.is_(None)).order_by(Task.id).limit(limit)
    ).all()
    if not ids:
        return 0
    general = ensure_general()
    for task_id in ids:
        db.session.execute(
            sa.update(Task)
            .where(Task.id == task_id, Task.project_id.is_(None))
            .values(project_id=general.id, number=allocate(general.id))
            .execution_options(synchronize_session=False)
        )
    return len(ids)
