"""Comment commands and reads: post, edit, delete, list (issue 14).

Posting needs task.comment on the task (whoever sees it); the author edits (comment.edit);
the author, whoever edits the task and admins delete (comment.delete; api/comments/rules.py).
Each command runs in one unit of work with its activity row on the task's timeline
("commented", "comment_edited", "comment_deleted": the task's version and ETag do not change)
and its notifications.

Mentions: `@username` in the body, resolved when the comment is saved (and again on an edit,
where only people newly mentioned are notified) to the active people who may see the task
(`can(person, task.read, task)`). Anyone else, and names that match nobody, are dropped
alike: the answer is the same whether or not the name exists.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from api import markup
from api.activity import service as activity
from api.comments import rules as _rules  # noqa: F401 - registers the comment rule
from api.comments import watchers
from api.comments.models import CommentMention, TaskComment
from api.db import Page, paginate, unit_of_work, utcnow
from api.errors import NotFound, Unprocessable
from api.extensions import db
from api.inbox import service as inbox
from api.inbox.models import NotificationKind
from api.input_rules import is_invisible
from api.permissions import Capability, require
from api.tasks.models import Task
from api.tasks.queries import get_visible
from api.users.models import User, UserStatus
from api.webhooks import events as webhooks
from api.webhooks.models import EventType


def _check_body(body: str) -> str:
    if len(body) > markup.MAX_LENGTH:
        raise Unprocessable.field("body", f"At most {markup.MAX_LENGTH:,} characters.")
    if not body.strip() or all(ch.isspace() or is_invisible(ch) for ch in body):
        raise Unprocessable.field("body", "Write something.")
    return body


def resolve_mentions(body: str, task: Task) -> list[User]:
    """The active people named `@username` in `body` who may see `task`, by id."""
    names = markup.mentioned_usernames(body)
    if not names:
        return []
    people = db.session.scalars(
        sa.select(User)
        .where(sa.func.lower(User.username).in_(names), User.status == UserStatus.ACTIVE)
        .order_by(User.id)
    )
    from api.permissions import can

    return [p for p in people if can(p, Capability.TASK_READ, task)]


def _get_comment(task: Task, comment_id: int) -> TaskComment:
    comment = db.session.scalar(
        sa.select(TaskComment)
        .where(TaskComment.id == comment_id, TaskComment.task_id == task.id)
        .options(selectinload(TaskComment.mentions), joinedload(TaskComment.author))
    )
    if comment is None:
        raise NotFound("Comment not found.")
    comment.task = task
    return comment


def _path(task: Task, comment: TaskComment) -> str:
    return f"/tasks/{task.id}#comment-{comment.id}"


def _announce(task: Task, comment: TaskComment, mentioned: list[User], actor: User) -> None:
    """Notify the newly mentioned ("mentioned") and the other watchers ("commented")."""
    common = {
        "actor": actor,
        "title": task.title,
        "path": _path(task, comment),
        "task_id": task.id,
        "comment_id": comment.id,
        "excerpt": comment.body,
        "digest": True,
    }
    inbox.notify(kind=NotificationKind.MENTIONED, recipients=mentioned, **common)
    skip = {p.id for p in mentioned}
    others = [p for p in watchers.audience(task) if p.id not in skip]
    inbox.notify(kind=NotificationKind.COMMENTED, recipients=others, **common)


def create(*, task_id: int, body: str, actor: User) -> TaskComment:
    """Post a comment (task.comment). The author and the people mentioned start watching.

    Raises NotFound (task not visible), Forbidden, Unprocessable (`body` blank or too long).
    """
    with unit_of_work():
        task = get_visible(task_id, actor, with_users=False)
        require(actor, Capability.TASK_COMMENT, task)
        body = _check_body(body)
        mentioned = resolve_mentions(body, task)
        comment = TaskComment(task_id=task.id, author=actor, body=body)
        comment.mentions = [CommentMention(user_id=p.id, user=p) for p in mentioned]
        db.session.add(comment)
        db.session.flush()
        comment.task = task
        activity.record_change(task, "commented", {"comment_id": [None, comment.id]}, actor)
        _announce(task, comment, [p for p in mentioned if p.id != actor.id], actor)
        watchers.watch_automatically(task, [actor, *mentioned])
        webhooks.emit(
            EventType.COMMENT_CREATED,
            webhooks.task_data(
                task,
                actor,
                comment={
                    "id": comment.id,
                    "body": comment.body,
                    "url": webhooks.link(_path(task, comment)),
                },
            ),
        )
    return comment


def update(*, task_id: int, comment_id: int, body: str, actor: User) -> TaskComment:
    """Edit one's own comment (comment.edit), stamping `edited_at`; people newly mentioned are
    notified. Raises NotFound, Forbidden, Unprocessable (`body`)."""
    with unit_of_work():
        task = get_visible(task_id, actor, with_users=False)
        comment = _get_comment(task, comment_id)
        require(actor, Capability.COMMENT_EDIT, comment)
        body = _check_body(body)
        if body == comment.body:
            return comment
        before = {m.user_id for m in comment.mentions}
        mentioned = resolve_mentions(body, task)
        comment.body, comment.edited_at = body, utcnow()
        comment.mentions = [
            next((m for m in comment.mentions if m.user_id == p.id), None)
            or CommentMention(user_id=p.id, user=p)
            for p in mentioned
        ]
        activity.record_change(
            task, "comment_edited", {"comment_id": [comment.id, comment.id]}, actor
        )
        fresh = [p for p in mentioned if p.id not in before and p.id != actor.id]
        inbox.notify(
            kind=NotificationKind.MENTIONED,
            recipients=fresh,
            actor=actor,
            title=task.title,
            path=_path(task, comment),
            task_id=task.id,
            comment_id=comment.id,
            excerpt=comment.body,
            digest=True,
        )
        watchers.watch_automatically(task, fresh)
    return comment


def delete(*, task_id: int, comment_id: int, actor: User) -> None:
    """Delete a comment (comment.delete: its author, whoever edits the task, admins).

    Raises NotFound, Forbidden.
    """
    with unit_of_work():
        task = get_visible(task_id, actor, with_users=False)
        comment = _get_comment(task, comment_id)
        require(actor, Capability.COMMENT_DELETE, comment)
        activity.record_change(task, "comment_deleted", {"comment_id": [comment.id, None]}, actor)
        db.session.delete(comment)


def list_comments(*, task_id: int, actor: User, page: int, page_size: int) -> Page[TaskComment]:
    """One page of the task's comments, oldest first (NotFound if the task is not visible)."""
    get_visible(task_id, actor, with_users=False)
    stmt = sa.select(TaskComment).where(TaskComment.task_id == task_id).order_by(TaskComment.id)
    return paginate(
        db.session,
        stmt,
        page=page,
        page_size=page_size,
        options=(joinedload(TaskComment.author), selectinload(TaskComment.mentions)),
    )


def comments_of(task: Task, actor: User, limit: int = 200) -> list[TaskComment]:
    """The first `limit` comments of `task` (which `actor` must see: else NotFound), oldest
    first, each with its author, mentions and task loaded (for `allowed_on`)."""
    require(actor, Capability.TASK_READ, task)
    found = list_comments(task_id=task.id, actor=actor, page=1, page_size=limit).items
    for comment in found:
        comment.task = task
    return found


def allowed_on(comment: TaskComment, actor: User) -> frozenset[str]:
    """What `actor` may do to `comment`: a subset of {"comment.edit", "comment.delete"}."""
    from api.permissions import allowed

    return allowed(actor, comment, (Capability.COMMENT_EDIT, Capability.COMMENT_DELETE))
