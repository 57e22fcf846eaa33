"""CSV endpoints: the task and incident lists as CSV, and the CSV import into a project."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context
from flask_smorest import Blueprint

from api.exchange import queries, schemas, service
from api.guards import current, login_required
from api.incidents.filters import IncidentFilter
from api.permissions import Capability
from api.security import allow_body
from api.tasks.filters import TaskFilter

blp = Blueprint("exchange", __name__, url_prefix="/api/v1", description="CSV export and import")
CSV = "text/csv"
IMPORT_BODY_BYTES = 4 * 1024 * 1024  # the file's own limit (2 MB) answers 422 below this


def csv_response(chunks: Iterator[str], filename: str) -> Response:
    """A streamed text/csv (UTF-8) download of `chunks`."""
    body = stream_with_context(chunk.encode("utf-8") for chunk in chunks)
    return Response(
        body,
        mimetype=CSV,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@blp.get("/tasks/export.csv")
@login_required()
@blp.arguments(schemas.TaskExportQuery(), location="query")
@blp.response(200, content_type=CSV, description="CSV, UTF-8, header row; dates ISO 8601 UTC.")
def export_tasks(query: dict):
    """The task list as CSV: the list's filters and sort, every row (streamed).

    Columns: ref, project, title, description, status, priority, deadline, assignees,
    labels (;-separated), created_at, completed_at. It re-imports into a project as is.
    """
    chunks = queries.export_tasks(filters=TaskFilter.from_query(query), actor=current())
    return csv_response(chunks, "tasks.csv")


@blp.get("/incidents/export.csv")
@login_required()
@blp.arguments(schemas.IncidentExportQuery(), location="query")
@blp.response(200, content_type=CSV, description="CSV, UTF-8, header row; dates ISO 8601 UTC.")
def export_incidents(query: dict):
    """The incident list as CSV: the list's filters, scope and sort, every row (streamed)."""
    chunks = queries.export_incidents(filters=IncidentFilter.from_query(query), actor=current())
    return csv_response(chunks, "incidents.csv")


@blp.post("/projects/<string:key>/import")
@allow_body(IMPORT_BODY_BYTES)
@login_required(Capability.PROJECT_IMPORT)
@blp.arguments(schemas.ImportOptions(), location="query")
@blp.arguments(schemas.ImportFile(), location="files", required=False)
@blp.response(200, schemas.ImportReportRead)
def import_tasks(options: dict, files: dict, key: str):
    """Import tasks from a CSV file (multipart field `file`) into the project (its leads).

    `dry_run=true` (the default) writes nothing and lists each row's problems (line, column,
    message); `dry_run=false` writes every row in one transaction, or nothing and 422 listing
    the problems, unless `skip_invalid=true`. 422 naming `file` for a file that is not UTF-8
    CSV, has no title column or an unknown one, or is over 2 MB or 5,000 rows.
    """
    return service.import_tasks(
        key=key,
        data=None if files["file"] is None else files["file"].read(),
        actor=current(),
        dry_run=options["dry_run"],
        skip_invalid=options["skip_invalid"],
    )
