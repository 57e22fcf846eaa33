"""Comment and watcher endpoints under /api/v1/tasks/{id}."""

from __future__ import annotations

from flask_smorest import Blueprint

from api.comments import schemas, service, watchers
from api.guards import current, login_required
from api.permissions import Capability
from api.schemas import PageQuery

blp = Blueprint(
    "comments", __name__, url_prefix="/api/v1/tasks", description="Task comments and watchers"
)


@blp.get("/<int:task_id>/comments")
@login_required()
@blp.arguments(PageQuery(), location="query")
@blp.response(200, schemas.CommentPage)
def list_comments(query: dict, task_id: int):
    """The task's comments, oldest first, paginated."""
    return service.list_comments(
        task_id=task_id, actor=current(), page=query["page"], page_size=query["page_size"]
    )


@blp.post("/<int:task_id>/comments")
@login_required(Capability.TASK_COMMENT)
@blp.arguments(schemas.CommentIn())
@blp.response(201, schemas.CommentRead)
def create_comment(data: dict, task_id: int):
    """Comment on a task (Markdown; @username mentions notify people who can see the task)."""
    comment = service.create(task_id=task_id, body=data["body"], actor=current())
    return comment, 201, {"Location": f"/api/v1/tasks/{task_id}/comments/{comment.id}"}


@blp.patch("/<int:task_id>/comments/<int:comment_id>")
@login_required(Capability.COMMENT_EDIT)
@blp.arguments(schemas.CommentIn())
@blp.response(200, schemas.CommentRead)
def update_comment(data: dict, task_id: int, comment_id: int):
    """Edit your own comment; the edit is marked with edited_at."""
    return service.update(
        task_id=task_id, comment_id=comment_id, body=data["body"], actor=current()
    )


@blp.delete("/<int:task_id>/comments/<int:comment_id>")
@login_required(Capability.COMMENT_DELETE)
@blp.response(204)
def delete_comment(task_id: int, comment_id: int):
    """Delete a comment: your own, or any when you edit the task or are an admin."""
    service.delete(task_id=task_id, comment_id=comment_id, actor=current())


@blp.get("/<int:task_id>/watchers")
@login_required()
@blp.response(200, schemas.WatcherRead(many=True))
def list_watchers(task_id: int):
    """The people watching the task."""
    return watchers.list_watchers(task_id=task_id, actor=current())


@blp.put("/<int:task_id>/watchers/me")
@login_required(Capability.TASK_WATCH)
@blp.response(200, schemas.Watching)
def watch(task_id: int):
    """Watch the task: hear of its comments and status changes."""
    watchers.watch(task_id=task_id, actor=current())
    return {"watching": True}


@blp.delete("/<int:task_id>/watchers/me")
@login_required(Capability.TASK_WATCH)
@blp.response(200, schemas.Watching)
def unwatch(task_id: int):
    """Stop watching the task."""
    watchers.unwatch(task_id=task_id, actor=current())
    return {"watching": False}
