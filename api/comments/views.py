"""Comment and watch forms of the task page (HTML; the same services as the JSON API).

The comment box has two buttons: "Preview" shows the task page again with the rendered
Markdown and the text kept (nothing is written), "Comment" posts it.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from api import markup
from api.comments import service, watchers
from api.comments.schemas import CommentIn
from api.errors import NotFound
from api.permissions import Capability
from api.tasks import queries
from api.tasks import views as task_pages
from api.web import forms
from api.web.session import page_login_required, web_user

blp = Blueprint("comments_web", __name__, url_prefix="/tasks")


def _task_url(task_id: int, comment_id: int | None = None) -> str:
    url = url_for("tasks_web.detail", task_id=task_id)
    return f"{url}#comment-{comment_id}" if comment_id else url


@blp.post("/<int:task_id>/comments")
@page_login_required(Capability.TASK_COMMENT)
def create(task_id: int):
    """Post a comment, or preview it (`preview` button): the task page with the rendering."""
    user = web_user()
    form = forms.read_form(("body",))
    if request.form.get("preview") or request.form.get("write"):  # a tab: nothing is written
        task = queries.get_visible(task_id, user)
        preview = markup.render(form.value("body")) if request.form.get("preview") else None
        return task_pages.render_detail(task, comment_form=form, preview=preview)
    data = forms.load(form, CommentIn(), {"body": form.value("body")})
    if data is not None:
        with forms.attempt(form):
            comment = service.create(task_id=task_id, body=data["body"], actor=user)
            flash("Comment posted.", "success")
            return redirect(_task_url(task_id, comment.id))
    task = queries.get_visible(task_id, user)
    return task_pages.render_detail(task, comment_form=form, status=422)


@blp.route("/<int:task_id>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@page_login_required(Capability.COMMENT_EDIT)
def edit(task_id: int, comment_id: int):
    """Edit one's own comment, with a preview."""
    user = web_user()
    task = queries.get_visible(task_id, user)
    comment = next((c for c in service.comments_of(task, user) if c.id == comment_id), None)
    if comment is None:
        raise NotFound("Comment not found.")
    form = forms.Form({"body": comment.body})
    status, preview = 200, None
    if request.method == "POST":
        form = forms.read_form(("body",))
        if request.form.get("preview"):
            preview = markup.render(form.value("body"))
        elif not request.form.get("write"):
            status = 422
            data = forms.load(form, CommentIn(), {"body": form.value("body")})
            if data is not None:
                with forms.attempt(form) as outcome:
                    service.update(
                        task_id=task_id, comment_id=comment_id, body=data["body"], actor=user
                    )
                    flash("Comment saved.", "success")
                    return redirect(_task_url(task_id, comment_id))
                status = outcome.code
    return render_template(
        "comments/edit.html", task=task, comment=comment, form=form, preview=preview
    ), status


@blp.post("/<int:task_id>/comments/<int:comment_id>/delete")
@page_login_required(Capability.COMMENT_DELETE)
def delete(task_id: int, comment_id: int):
    """Delete a comment (one's own; any for those who edit the task, and admins)."""
    with forms.attempt() as outcome:
        service.delete(task_id=task_id, comment_id=comment_id, actor=web_user())
        flash("Comment deleted.", "success")
        return redirect(_task_url(task_id))
    task = queries.get_visible(task_id, web_user())
    return task_pages.render_detail(task, status=outcome.code, action_error=outcome.message)


@blp.post("/<int:task_id>/watch")
@page_login_required(Capability.TASK_WATCH)
def watch(task_id: int):
    """Watch the task."""
    with forms.attempt(flash_refusal=True):
        watchers.watch(task_id=task_id, actor=web_user())
        flash("You are watching this task.", "success")
    return redirect(_task_url(task_id))


@blp.post("/<int:task_id>/unwatch")
@page_login_required(Capability.TASK_WATCH)
def unwatch(task_id: int):
    """Stop watching the task."""
    with forms.attempt(flash_refusal=True):
        watchers.unwatch(task_id=task_id, actor=web_user())
        flash("You no longer watch this task.", "success")
    return redirect(_task_url(task_id))
