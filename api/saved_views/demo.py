"""The demo's saved views (a step of api/demo.py `STEPS`)."""

from __future__ import annotations

import sqlalchemy as sa

from api.extensions import db
from api.projects.models import GENERAL_KEY, Project, ProjectMember, ProjectRole
from api.saved_views.models import SavedView
from api.tasks.models import TaskStatus
from api.users.models import User


def seed_views(managers: list[User]) -> None:
    """Saved views: each manager keeps a private "Urgent and high, open" view and shares
    "Open work, by deadline" with the first project they lead (besides General)."""
    db.session.flush()
    open_statuses = [TaskStatus.PENDING.value, TaskStatus.IN_PROGRESS.value]
    for manager in managers:
        db.session.add(
            SavedView(
                owner_id=manager.id,
                name="Urgent and high, open",
                filters={"priority": ["urgent", "high"], "status": open_statuses},
                sort="deadline",
            )
        )
        led = db.session.scalar(
            sa.select(Project)
            .join(ProjectMember, ProjectMember.project_id == Project.id)
            .where(
                ProjectMember.user_id == manager.id,
                ProjectMember.role == ProjectRole.LEAD.value,
                Project.key != GENERAL_KEY,
            )
            .order_by(Project.key)
        )
        if led is not None:
            db.session.add(
                SavedView(
                    owner_id=manager.id,
                    project_id=led.id,
                    name=f"Open in {led.key}, by deadline",
                    filters={"project": [led.key], "status": open_statuses},
                    sort="deadline",
                )
            )
