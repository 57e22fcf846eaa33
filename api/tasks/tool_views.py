"""Ways to work on many tasks (HTML): a project's board, one column per status, whose cards
move by drag and drop, keyboard or button (the status change of the task page, with its
version as If-Match); and the task list's bulk form (api/tasks/bulk.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.errors import Unprocessable
from api.permissions import Capability, can
from api.projects import service as projects
from api.tasks import bulk, queries, schemas, service
from api.tasks import views as task_views
from api.tasks.filters import TaskFilter
from api.tasks.models import Priority, Task, TaskStatus
from api.users.models import User
from api.web import forms
from api.web.filters import label
from api.web.session import page_login_required, web_user

blp = Blueprint("task_tools_web", __name__)

COLUMN_SIZE = 50  # cards per column; the rest are a link to the list away
BOARD_FILTERS = ("assignee_id", "label", "priority", "q")
CONFLICT = (
    "Someone changed this task since the board was shown, so it stays where it was. "
    "Reload the board to see the change."
)


def _filters() -> tuple[dict[str, Any], list[str]]:
    """The board's filters from the URL (the task list's: assignee, label, priority, text),
    loaded by the API's TaskQuery; the names of the parts not understood are dropped."""
    raw: dict[str, Any] = {}
    q = request.args.get("q", "").strip()
    if q:
        raw["q"] = q
    for key in ("assignee_id", "label", "priority"):
        values = [v.strip() for v in request.args.getlist(key) if v.strip()]
        if values:
            raw[key] = values
    schema = schemas.TaskQuery(only=BOARD_FILTERS)
    try:
        return schema.load(raw), []
    except ValidationError as exc:
        bad = list(exc.messages) if isinstance(exc.messages, dict) else []
        return schema.load({k: v for k, v in raw.items() if k not in bad}), bad


def _board(key: str, *, status: int = 200, error: str | None = None):
    user = web_user()
    project = projects.get_visible(key, user)
    query, bad = _filters()
    columns = []
    for state in TaskStatus:
        page = queries.list_tasks(
            filters=TaskFilter.from_query(
                {**query, "project": [project.key], "status": [state], "sort": "-priority"}
            ),
            actor=user,
            page_size=COLUMN_SIZE,
        )
        columns.append({"status": state, "page": page})
    movable = {
        card.id
        for column in columns
        for card in column["page"].items
        if can(user, Capability.TASK_SET_STATUS, card)
    }
    return render_template(
        "tasks/board.html",
        project=project,
        columns=columns,
        movable=movable,
        statuses=list(TaskStatus),
        priorities=list(Priority),
        query=query,
        query_errors=bad,
        assignees=task_views._assignees(user),
        labels=projects.labels(key=project.key, actor=user),
        action_error=error,
        move_url=url_for(".move", key=project.key, **request.args.to_dict(flat=False)),
    ), status


@blp.get("/projects/<key>/board")
@page_login_required()
def board(key: str):
    """A project's tasks in one column per status, filtered like the task list."""
    return _board(key)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@blp.post("/projects/<key>/board/move")
@page_login_required(Capability.TASK_SET_STATUS)
def move(key: str):
    """Move a card (form: task_id, status, version) through the task's status change. The
    board's script asks for JSON ({"message", "status", "version"}); without it the board is
    shown again (a refusal: with its message and status code)."""
    user = web_user()
    task_id = forms.as_int(request.form.get("task_id", ""))
    with forms.attempt(invalid="Choose a valid status.") as outcome:
        if not isinstance(task_id, int):
            raise Unprocessable.field("task_id", "Choose a task on the board.")
        loaded = schemas.TaskStatusIn().load({"status": request.form.get("status", "")})
        task = service.set_status(
            task_id=task_id,
            status=loaded["status"],
            actor=user,
            if_match=forms.if_match(Task.etag_of, task_id),
        )
        message = f"{task.ref or task.title} moved to {label(task.status).lower()}."
        if _wants_json():
            return jsonify(message=message, status=task.status.value, version=task.version)
        flash(message, "success")
        return redirect(url_for(".board", key=key, **request.args.to_dict(flat=False)))
    message = CONFLICT if outcome.code == 412 else outcome.message
    if _wants_json():
        return jsonify(message=message), outcome.code
    return _board(key, status=outcome.code, error=message)


RESULT_WORDS = {
    "updated": "{n} changed",
    "deleted": "{n} deleted",
    "forbidden": "{n} you may not change",
    "not_found": "{n} no longer there",
    "conflict": "{n} refused",
}


def _bulk_changes(user: User) -> dict[str, Any]:
    """The bulk form's changes (blank fields change nothing), loaded by TaskBulkSet."""
    form = request.form
    raw: dict[str, Any] = {}
    for name in ("status", "priority"):
        if form.get(name, "").strip():
            raw[name] = form[name].strip()
    assignee = form.get("assignee", "").strip()
    if assignee == "none":
        raw["assignee_ids"] = []
    elif assignee:
        raw["assignee_ids"] = [forms.as_int(assignee)]
    if form.get("add_label", "").strip():
        raw["add_labels"] = [form["add_label"].strip()]
    if form.get("clear_deadline"):
        raw["deadline"] = None
    elif form.get("deadline", "").strip():
        raw["deadline"] = forms.local_to_iso(form["deadline"].strip(), user.timezone)
    if not raw:
        raise Unprocessable.field("set", "Choose what to change, or delete the tasks.")
    return schemas.TaskBulkSet().load(raw)


@blp.post("/tasks/bulk")
@page_login_required()
def bulk_change():
    """Change or delete the tasks ticked in the list (form: ids, and status, priority,
    assignee, add_label, deadline or delete); back to the list with what happened. When no
    task changed the list is shown again with the reason (403, 404 or 409; 422 for bad input)."""
    user = web_user()
    ids = [forms.as_int(v) for v in request.form.getlist("ids")]
    with forms.attempt(invalid="Check the values chosen for the selected tasks.") as outcome:
        if not ids or not all(isinstance(i, int) for i in ids):
            raise Unprocessable.field("ids", "Select at least one task.")
        delete = bool(request.form.get("delete"))
        changes = None if delete else _bulk_changes(user)
        outcomes = bulk.apply(ids=ids, changes=changes, delete=delete, actor=user)
        tally = bulk.counts(outcomes)
        summary = "; ".join(
            words.format(n=tally[result]) for result, words in RESULT_WORDS.items() if tally[result]
        )
        notes = sorted({o.message for o in outcomes if o.result == bulk.Result.CONFLICT})
        text = f"Selected tasks: {summary}." + (" " + " ".join(notes) if notes else "")
        if tally["updated"] or tally["deleted"]:
            flash(text, "success" if summary.count(";") == 0 else "warning")
            return redirect(url_for("tasks_web.index", **request.args.to_dict(flat=False)))
        outcome.code = 403 if tally["forbidden"] else 404 if tally["not_found"] else 409
        outcome.message = text
    flash(outcome.message or "Nothing was changed.", "danger")
    return task_views.index(), outcome.code
