"""Task pages: list (filters, sort and page in the URL), create, detail with timeline, edit,
status and assign (HTML; the same service and schemas as /api/v1/tasks)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.comments import service as comments
from api.comments import watchers
from api.errors import Forbidden, NotFound
from api.incidents import followups
from api.permissions import Capability, can
from api.projects import queries as project_queries
from api.projects import service as project_service
from api.saved_views import service as saved_views
from api.tasks import queries, schemas, service
from api.tasks.filters import MULTI_VALUE, TaskFilter
from api.tasks.models import Priority, Task, TaskStatus
from api.users import service as users
from api.users.models import User, UserStatus
from api.web import forms
from api.web.session import page_login_required, web_user
from api.web.timeline import describe

blp = Blueprint("tasks_web", __name__, url_prefix="/tasks")

FIELDS = ("title", "description", "priority", "deadline", "project")
LISTS = ("assignee_ids", "labels")
SORT_CHOICES = (
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("deadline", "Deadline, soonest first"),
    ("-deadline", "Deadline, latest first"),
    ("-priority", "Priority, highest first"),
    ("priority", "Priority, lowest first"),
)
PAGE_SIZE = 20


def _query() -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The list query from the URL, loaded by the API's TaskQuery; bad parts are dropped."""
    raw: dict[str, Any] = {}
    for key in MULTI_VALUE:
        # a typed list ("bug, urgent") counts as several values
        values = [v.strip() for x in request.args.getlist(key) for v in x.split(",") if v.strip()]
        if values:
            raw[key] = values
    for key in ("overdue", "q", "sort", "page", "cursor"):
        value = request.args.get(key, "").strip()
        if value:
            raw[key] = value
    raw["page_size"] = PAGE_SIZE
    try:
        return schemas.TaskQuery().load(raw), {}
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {}
        for key in errors:
            raw.pop(key, None)
        return schemas.TaskQuery().load(raw), errors  # type: ignore[return-value]


def _assignees(actor: User) -> list[User]:
    """Active people the list may be filtered by, for those who may list users."""
    if not can(actor, Capability.USER_LIST):
        return []
    page = users.list_users(
        actor=actor,
        filters=users.UserFilter(status=UserStatus.ACTIVE),
        page=1,
        page_size=100,
    )
    return [u for u in page.items if u.role in service.ASSIGNABLE_ROLES]


def _choices(projects: list[Any]) -> dict[str, Any]:
    """The projects a form offers, with the people and labels of each (grouped by project in
    the selects; the service checks again on save)."""
    ids = [p.id for p in projects]
    return {
        "projects": projects,
        "people": project_queries.assignable(ids),
        "project_labels": project_queries.labels_of(ids),
    }


def _lists(form: forms.Form) -> dict[str, Any]:
    """The multi-selects of a task form (assignee ids as numbers, label names)."""
    picked = {
        "assignee_ids": [forms.as_int(v) for v in request.form.getlist("assignee_ids") if v],
        "labels": [v for v in request.form.getlist("labels") if v],
    }
    form.values.update({k: [str(v) for v in vals] for k, vals in picked.items()})
    return picked


@blp.get("")
@page_login_required()
def index():
    """Every task the person may see, filtered, sorted and paginated."""
    user = web_user()
    query, errors = _query()
    page, errors = forms.list_page(
        lambda **position: queries.list_tasks(
            filters=TaskFilter.from_query(query),
            actor=user,
            page_size=query["page_size"],
            **position,
        ),
        query,
        errors,
    )
    return render_template(
        "tasks/index.html",
        page=page,
        query=query,
        query_errors=errors,
        statuses=list(TaskStatus),
        priorities=list(Priority),
        sorts=SORT_CHOICES,
        assignees=_assignees(user),
        projects=project_service.list_visible(user),
        may_create=bool(project_queries.creatable(user)),
        view=_view(user),
    )


def _view(user: User) -> Any:
    """The saved view named by `?view=<id>` when the person sees it, else None."""
    view_id = forms.as_int(request.args.get("view", ""))
    if not isinstance(view_id, int) or not 0 < view_id < 2**31:
        return None
    try:
        view = saved_views.get_visible(view_id, user)
    except NotFound:
        return None
    return view


def _form_data(
    form: forms.Form, schema: Any, timezone: str, lists: tuple[str, ...] = LISTS
) -> dict[str, Any] | None:
    raw: dict[str, Any] = {
        name: request.form.get(name, "") for name in FIELDS if name in request.form
    }
    if "deadline" in raw:
        raw["deadline"] = forms.local_to_iso(raw["deadline"], timezone)
    if "assignee_id" in request.form:  # one person, as older forms send it
        raw["assignee_id"] = request.form.get("assignee_id", "")
    if "lists" in request.form or any(name in request.form for name in lists):
        raw.update({k: v for k, v in _lists(form).items() if k in lists})
    return forms.load(
        form,
        schema,
        raw,
        blank_is_none=("deadline", "assignee_id"),
        drop_blank=("priority", "project"),
        integers=("assignee_id",),
    )


@blp.route("/new", methods=["GET", "POST"])
@page_login_required(Capability.TASK_CREATE)
def new():
    """Create a task, optionally assigned, as a manager or admin."""
    user = web_user()
    creatable = project_queries.creatable(user)
    if not creatable:
        raise Forbidden("You lead no project you could add a task to.")
    form = forms.read_form(FIELDS)
    if request.method == "POST":
        data = _form_data(form, schemas.TaskCreate(), user.timezone)
        if data is not None:
            with forms.attempt(form):
                task = service.create(data=data, actor=user)
                flash(f"Task “{task.title}” created.", "success")
                return redirect(url_for("tasks_web.detail", task_id=task.id))
        status = 422
    else:
        form.values["priority"] = Priority.NORMAL.value
        status = 200
    return render_template(
        "tasks/form.html",
        form=form,
        task=None,
        priorities=list(Priority),
        **_choices(creatable),
    ), status


def _detail(
    task: Task,
    *,
    edit_form: forms.Form | None = None,
    status: int = 200,
    action_error: str | None = None,
    comment_form: forms.Form | None = None,
    preview: Any = None,
):
    user = web_user()
    actions = queries.allowed_actions(task, user)
    return render_template(
        "tasks/detail.html",
        task=task,
        source_incident=followups.source_of(task.id, user) if task.follow_up_of else None,
        timeline=describe(queries.timeline(task_id=task.id, actor=user)),
        people=project_queries.assignable([task.project_id]).get(task.project_id, [])
        if "task.assign" in actions and task.project_id
        else [],
        statuses=list(TaskStatus),
        actions=actions,
        action_error=action_error,
        **collaboration(task, user, comment_form=comment_form, preview=preview),
    ), status


render_detail = _detail  # the comment forms (api/comments/views.py) answer with this page


def collaboration(
    task: Task, user: User, *, comment_form: forms.Form | None, preview: Any
) -> dict[str, Any]:
    """The task page's comments, watchers and comment box (issue 14)."""
    thread = comments.comments_of(task, user)
    return {
        "comments": thread,
        "comment_actions": {c.id: comments.allowed_on(c, user) for c in thread},
        "may_comment": can(user, Capability.TASK_COMMENT, task),
        "may_watch": can(user, Capability.TASK_WATCH, task),
        "watchers": watchers.audience(task),
        "watching": watchers.is_watching(task.id, user.id),
        "comment_form": comment_form or forms.Form(),
        "preview": preview,
    }


@blp.get("/<int:task_id>")
@page_login_required()
def detail(task_id: int):
    """A task with its actions and its timeline; 404 when the person may not see it."""
    return _detail(queries.get_visible(task_id, web_user()))


@blp.route("/<int:task_id>/edit", methods=["GET", "POST"])
@page_login_required(Capability.TASK_EDIT)
def edit(task_id: int):
    """Edit title, description, priority and deadline (If-Match from the form's version)."""
    user = web_user()
    task = queries.get_visible(task_id, user)
    if "task.edit" not in queries.allowed_actions(task, user):
        raise Forbidden("You may not edit this task.")
    form = forms.Form(_saved_values(task, user.timezone))
    form.values["labels"] = [label.name for label in task.labels]
    status, clash = 200, None
    if request.method == "POST":
        form = forms.read_form(FIELDS[:-1])
        data = _form_data(form, schemas.TaskUpdate(), user.timezone, lists=("labels",))
        status = 422
        if data is not None:
            with forms.attempt(form) as outcome:
                service.update(
                    task_id=task.id,
                    changes=data,
                    actor=user,
                    if_match=forms.if_match(Task.etag_of, task.id),
                )
                flash("Task saved.", "success")
                return redirect(url_for("tasks_web.detail", task_id=task.id))
            status = outcome.code
            if outcome.code == 412:  # someone saved first: show theirs, keep yours beside it
                task = queries.get_visible(task_id, user)
                saved = _saved_values(task, user.timezone)
                clash = forms.conflict(
                    sent=form.values,
                    saved=saved,
                    labels=EDIT_LABELS,
                    version=task.version,
                    action=url_for("tasks_web.edit", task_id=task.id),
                    shown={"priority": {p.value: p.value.capitalize() for p in Priority}},
                )
                form = forms.Form(saved)
    labels = project_queries.labels_of([task.project_id]) if task.project_id else {}
    return render_template(
        "tasks/form.html",
        form=form,
        task=task,
        priorities=list(Priority),
        projects=[task.project] if task.project else [],
        people={},
        project_labels=labels,
        conflict=clash,
    ), status


EDIT_LABELS = {
    "title": "Title",
    "description": "Description",
    "priority": "Priority",
    "deadline": "Deadline",
}


def _saved_values(task: Task, timezone: str) -> dict[str, str]:
    """The edit form's values for the task as saved."""
    return {
        "title": task.title,
        "description": task.description,
        "priority": task.priority.value,
        "deadline": forms.iso_to_local_input(task.deadline, timezone),
    }


@blp.post("/<int:task_id>/status")
@page_login_required(Capability.TASK_SET_STATUS)
def set_status(task_id: int):
    """Move the task to pending, in progress or completed."""
    user = web_user()
    with forms.attempt(invalid="Choose a valid status.") as outcome:
        loaded = schemas.TaskStatusIn().load({"status": request.form.get("status", "")})
        task = service.set_status(
            task_id=task_id,
            status=loaded["status"],
            actor=user,
            if_match=forms.if_match(Task.etag_of, task_id),
        )
        flash(f"Status changed to {task.status.value.replace('_', ' ')}.", "success")
        return redirect(url_for("tasks_web.detail", task_id=task_id))
    return _refused(task_id, outcome)


def _refused(task_id: int, outcome: forms.Outcome):
    """The detail page again, with the refusal above the actions (404 if it is gone)."""
    task = queries.get_visible(task_id, web_user())
    return _detail(task, status=outcome.code, action_error=outcome.message)


@blp.post("/<int:task_id>/assign")
@page_login_required(Capability.TASK_ASSIGN)
def assign(task_id: int):
    """Set the task's assignees (members of its project), or unassign it."""
    user = web_user()
    if "assignee_id" in request.form:  # one person (older form)
        raw = request.form.get("assignee_id", "").strip()
        body: dict[str, Any] = {"assignee_id": forms.as_int(raw) or None}
    else:
        ids = request.form.getlist("assignee_ids")
        body = {"assignee_ids": [forms.as_int(v) for v in ids if v.strip()]}
    with forms.attempt(invalid="Choose people from the list.") as outcome:
        loaded = schemas.TaskAssignIn().load(body)
        task = service.assign(
            task_id=task_id,
            data=loaded,
            actor=user,
            if_match=forms.if_match(Task.etag_of, task_id),
        )
        who = ", ".join(person.username for person in task.assignees) or "nobody"
        flash(f"Task assigned to {who}.", "success")
        return redirect(url_for("tasks_web.detail", task_id=task_id))
    return _refused(task_id, outcome)


@blp.post("/<int:task_id>/delete")
@page_login_required(Capability.TASK_DELETE)
def delete(task_id: int):
    """Delete the task (leads of its project, managers who are members, admins)."""
    user = web_user()
    with forms.attempt() as outcome:
        service.delete(task_id=task_id, actor=user)
        flash("Task deleted.", "success")
        return redirect(url_for("tasks_web.index"))
    return _refused(task_id, outcome)
