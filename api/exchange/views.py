"""CSV pages: the task and incident lists as CSV (the filters of the page they are linked
from), and a project's import page (upload, the dry run's problems in a table, then import)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for

from api.errors import DomainError, Forbidden
from api.exchange import queries, service
from api.exchange.csv_rows import EXPORT_COLUMNS, IMPORT_COLUMNS, MAX_ROWS, SEPARATOR
from api.exchange.routes import IMPORT_BODY_BYTES, csv_response
from api.incidents import views as incident_views
from api.incidents.filters import IncidentFilter
from api.projects import service as projects
from api.security import allow_body
from api.tasks import views as task_views
from api.tasks.filters import TaskFilter
from api.web import forms
from api.web.session import page_login_required, web_user

blp = Blueprint("exchange_web", __name__)
POSITION = ("page", "cursor")  # a list's position: the export has every row


@blp.app_template_global()
def export_url(endpoint: str) -> str:
    """The CSV export of the list page being drawn: `endpoint` with the page's query string,
    less its position (page, cursor)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in POSITION and v]
    query = urlencode(args)
    return url_for(endpoint) + (f"?{query}" if query else "")


@blp.get("/tasks/export.csv")
@page_login_required()
def export_tasks():
    """The task list as CSV, read with the list page's own filters (what it ignores, this
    ignores)."""
    query, _errors = task_views._query()
    chunks = queries.export_tasks(filters=TaskFilter.from_query(query), actor=web_user())
    return csv_response(chunks, "tasks.csv")


@blp.get("/incidents/export.csv")
@page_login_required()
def export_incidents():
    """The incident list as CSV, with the tab and filters of the list page."""
    user = web_user()
    query, _errors, _tab = incident_views._query(user)
    chunks = queries.export_incidents(filters=IncidentFilter.from_query(query), actor=user)
    return csv_response(chunks, "incidents.csv")


def _may_import(key: str):
    """The project, when the person may import into it (404 / 403 otherwise)."""
    user = web_user()
    project = projects.get_visible(key, user)
    if "project.import" not in projects.allowed_actions(project, user):
        raise Forbidden("Only the project's leads and administrators import tasks.")
    return project


@blp.route("/projects/<key>/import", methods=["GET", "POST"])
@allow_body(IMPORT_BODY_BYTES)
@page_login_required()
def import_tasks(key: str):
    """Upload a CSV file and check it (a dry run: each row's problems in a table); then import
    the checked text (kept in the page) in one go, with or without the bad rows."""
    user = web_user()
    project = _may_import(key)
    form = forms.Form()
    report, row_errors, text, status = None, [], "", 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            data = upload.read()
        else:
            data = request.form.get("csv_text", "").encode("utf-8") or None
        try:
            report = service.import_tasks(
                key=project.key,
                data=data,
                actor=user,
                dry_run=request.form.get("action") != "import",
                skip_invalid=forms.checkbox("skip_invalid"),
            )
        except DomainError as error:
            if error.code == 404:
                raise
            status = error.code
            row_errors = (error.errors or {}).get("rows") or []
            if row_errors:
                form.message = error.message
            else:
                form.fail(error)
        else:
            if not report.dry_run:
                flash(f"Imported {report.created} tasks into {project.key}.", "success")
                return redirect(url_for("tasks_web.index", project=project.key, sort="-created"))
            row_errors = [vars(error) for error in report.errors]
        if report is not None or row_errors:
            text = (data or b"").decode("utf-8", "replace")
    return render_template(
        "exchange/import.html",
        project=project,
        form=form,
        report=report,
        row_errors=row_errors,
        csv_text=text,
        columns=IMPORT_COLUMNS,
        export_columns=EXPORT_COLUMNS,
        separator=SEPARATOR,
        max_rows=MAX_ROWS,
    ), status
