"""The demo's saved views: every manager has a private one and shares one with a project they
lead, and each opens a task list that shows something."""

from __future__ import annotations

import sqlalchemy as sa

from api.demo import seed
from api.extensions import db
from api.projects.models import ProjectMember, ProjectRole
from api.saved_views.models import SavedView
from api.users.models import Role


def test_every_manager_has_views(app, client, auth):
    people = seed()
    managers = [p for p in people if p.role == Role.MANAGER]
    views = list(db.session.scalars(sa.select(SavedView)))
    assert managers and {v.owner_id for v in views if not v.shared} == {m.id for m in managers}
    for view in (v for v in views if v.shared):
        role = db.session.scalar(
            sa.select(ProjectMember.role).where(
                ProjectMember.project_id == view.project_id, ProjectMember.user_id == view.owner_id
            )
        )
        assert role == ProjectRole.LEAD
        owner = next(m for m in managers if m.id == view.owner_id)
        listed = client.get(
            "/api/v1/tasks?" + view.url.partition("?")[2], headers=auth.headers(owner)
        )
        assert listed.status_code == 200 and listed.get_json()["total"] > 0
