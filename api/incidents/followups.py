"""Follow-up tasks of an incident: create one in a project, list them, name a task's source.

A follow-up is an ordinary task (api/tasks) linked to the incident it came from by an
`incident_follow_ups` row. Creating one needs incident.follow_up on the incident and
task.create in the chosen project; each list shows only what the viewer may see (the tasks
through task.read, the source incident through incident.read).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from api.activity import service as activity
from api.extensions import db
from api.incidents.models import Incident, IncidentFollowUp
from api.incidents.queries import get_visible
from api.permissions import Capability, require, visible_clause
from api.tasks import service as tasks
from api.tasks.models import Task
from api.users.models import User

MAX_LISTED = 100


def create(*, public_id: str, data: dict[str, Any], actor: User) -> Task:
    """Create a follow-up task of incident `public_id` from a task body (api.tasks.schemas.
    TaskCreate); the task, its link and a "follow_up_added" activity row of the incident are
    written together.

    Raises NotFound (incident not visible), Forbidden (no incident.follow_up on it, or no
    task.create in the chosen project: nothing is written), Unprocessable naming the field
    (`project` the actor cannot see or that is archived, assignees, labels, deadline).
    """
    incident = get_visible(public_id, actor, with_users=False)
    require(actor, Capability.INCIDENT_FOLLOW_UP, incident)

    def link(task: Task) -> None:
        db.session.add(IncidentFollowUp(task_id=task.id, incident_id=incident.id))
        activity.record_change(incident, "follow_up_added", {"task": [None, task.ref]}, actor)

    return tasks.create(data=data, actor=actor, after_create=link)


def list_for(incident: Incident, actor: User) -> list[Task]:
    """The follow-up tasks of `incident` that `actor` may see (task.read), oldest first, at
    most MAX_LISTED, with their projects and assignees: three statements."""
    stmt = (
        sa.select(Task)
        .join(IncidentFollowUp, IncidentFollowUp.task_id == Task.id)
        .where(IncidentFollowUp.incident_id == incident.id)
        .options(
            selectinload(Task.project),
            selectinload(Task.assignee_links),  # each link's user is joined to it
        )
        .order_by(Task.id)
        .limit(MAX_LISTED)
    )
    clause = visible_clause(actor, Capability.TASK_READ)
    if clause is not None:
        stmt = stmt.where(clause)
    return list(db.session.scalars(stmt))


def source_of(task_id: int, actor: User | None) -> Incident | None:
    """The incident task `task_id` was created from, if any and if `actor` may see it
    (incident.read); else None. One statement."""
    stmt = (
        sa.select(Incident)
        .join(IncidentFollowUp, IncidentFollowUp.incident_id == Incident.id)
        .where(IncidentFollowUp.task_id == task_id)
    )
    clause = visible_clause(actor, Capability.INCIDENT_READ)
    if clause is not None:
        stmt = stmt.where(clause)
    return db.session.scalars(stmt).first()
