"""Task endpoints under /api/v1/tasks."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from api.activity.schemas import ActivityRead
from api.guards import current, login_required
from api.incidents import followups
from api.permissions import Capability
from api.tasks import bulk, queries, schemas, service
from api.tasks.filters import TaskFilter

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Tasks")


def _with_etag(task):
    return task, 200, {"ETag": task.etag}


@blp.get("")
@login_required()
@blp.arguments(schemas.TaskQuery(), location="query")
@blp.response(200, schemas.TaskPage)
def list_tasks(query: dict):
    """List the tasks of your projects, filtered (project, label, ref, assignee_id matches any
    assignee, q matches title, description or a ref), sorted and paginated."""
    return queries.list_tasks(
        filters=TaskFilter.from_query(query),
        actor=current(),
        page=query["page"],
        page_size=query["page_size"],
        cursor=query.get("cursor"),
    )


@blp.get("/mine")
@login_required()
@blp.arguments(schemas.TaskQuery(), location="query")
@blp.response(200, schemas.TaskPage)
def my_tasks(query: dict):
    """Tasks of which the caller is one of the assignees."""
    query = {**query, "assignee_id": [current().id], "unassigned": False}
    return queries.list_tasks(
        filters=TaskFilter.from_query(query),
        actor=current(),
        page=query["page"],
        page_size=query["page_size"],
        cursor=query.get("cursor"),
    )


@blp.post("")
@login_required(Capability.TASK_CREATE)
@blp.arguments(schemas.TaskCreate())
@blp.response(201, schemas.TaskRead)
def create_task(data: dict):
    """Create a task in a project (`project`, default GEN; lead rights there), with its next
    number and ref ("OPS-12"), optionally assigned (assignee_ids) and labelled (labels)."""
    task = service.create(data=data, actor=current())
    return task, 201, {"ETag": task.etag, "Location": f"/api/v1/tasks/{task.id}"}


@blp.post("/bulk")
@login_required()
@blp.arguments(schemas.TaskBulkIn())
@blp.response(200, schemas.TaskBulkOut)
def bulk_change(data: dict):
    """Change (`set`: assignee_ids, labels, add_labels, status, priority, deadline) or delete
    (`"delete": true`) up to 100 tasks; each task is checked by the capability of the single
    change and changed in its own transaction, so one refusal leaves the others changed. Each
    id's `result`: updated, deleted, not_found, forbidden, conflict. One email per person."""
    outcomes = bulk.apply(
        ids=data["ids"],
        changes=data.get("changes"),
        delete=bool(data.get("delete")),
        actor=current(),
    )
    return {"results": outcomes, "counts": bulk.counts(outcomes)}


@blp.get("/<int:task_id>")
@login_required()
@blp.response(200, schemas.TaskRead)
def get_task(task_id: int):
    """Read a task (with the incident it follows up, if any you may see); the ETag names its
    version for If-Match."""
    task = queries.get_visible(task_id, current())
    source = followups.source_of(task.id, current()) if task.follow_up_of is not None else None
    if source is not None:
        task.source_incident = source  # read by TaskRead's `incident`; not a column
    return _with_etag(task)


@blp.patch("/<int:task_id>")
@login_required(Capability.TASK_EDIT)
@blp.arguments(schemas.TaskUpdate())
@blp.response(200, schemas.TaskRead)
@blp.alt_response(412, description="If-Match names a stale version")
def update_task(data: dict, task_id: int):
    """Edit title, description, priority or deadline (If-Match honoured)."""
    return _with_etag(
        service.update(
            task_id=task_id,
            changes=data,
            actor=current(),
            if_match=request.headers.get("If-Match"),
        )
    )


@blp.delete("/<int:task_id>")
@login_required(Capability.TASK_DELETE)
@blp.response(204)
def delete_task(task_id: int):
    """Delete a task."""
    service.delete(task_id=task_id, actor=current())


@blp.put("/<int:task_id>/status")
@login_required(Capability.TASK_SET_STATUS)
@blp.arguments(schemas.TaskStatusIn())
@blp.response(200, schemas.TaskRead)
def set_status(data: dict, task_id: int):
    """Move a task between pending, in_progress and completed."""
    return _with_etag(
        service.set_status(
            task_id=task_id,
            status=data["status"],
            actor=current(),
            if_match=request.headers.get("If-Match"),
        )
    )


@blp.put("/<int:task_id>/assign")
@login_required(Capability.TASK_ASSIGN)
@blp.arguments(schemas.TaskAssignIn())
@blp.response(200, schemas.TaskRead)
def assign(data: dict, task_id: int):
    """Set the assignees: assignee_ids (0-10 members of the task's project; [] unassigns) or
    assignee_id (one person; null unassigns). Only newly added assignees are emailed."""
    return _with_etag(
        service.assign(
            task_id=task_id,
            data=data,
            actor=current(),
            if_match=request.headers.get("If-Match"),
        )
    )


@blp.get("/<int:task_id>/activity")
@login_required()
@blp.response(200, ActivityRead(many=True))
def task_activity(task_id: int):
    """The task's timeline, oldest first."""
    return queries.timeline(task_id=task_id, actor=current())
