"""CSV export queries and the import's input and report."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from api.incidents.schemas import IncidentQuery
from api.tasks.schemas import TaskQuery

PAGING = ("page", "page_size", "cursor")


class TaskExportQuery(TaskQuery):
    """The task list's filters and sort (every row, no paging)."""

    class Meta:
        exclude = PAGING


class IncidentExportQuery(IncidentQuery):
    """The incident list's filters and sort (every row, no paging)."""

    class Meta:
        exclude = PAGING


class ImportOptions(Schema):
    dry_run = fields.Boolean(
        load_default=True,
        metadata={"description": "true (the default): check and report, write nothing."},
    )
    skip_invalid = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Write the valid rows and report the others, instead of "
            "writing nothing when any row has a problem."
        },
    )


class ImportFile(Schema):
    file = Upload(
        load_default=None,
        metadata={
            "description": "CSV, UTF-8, at most 2 MB and 5,000 rows; header row with title "
            "(required), description, status, priority, deadline (ISO 8601 with an offset, or "
            "a date for 00:00 UTC), assignees and labels (each a ;-separated list)."
        },
    )


class RowErrorRead(Schema):
    line = fields.Integer(metadata={"description": "1-based; the header row is line 1."})
    column = fields.String(allow_none=True)
    message = fields.String()


class ImportReportRead(Schema):
    project = fields.String()
    dry_run = fields.Boolean()
    rows = fields.Integer(metadata={"description": "Data rows read (blank lines skipped)."})
    valid = fields.Integer()
    created = fields.Integer()
    skipped = fields.Integer()
    errors = fields.List(fields.Nested(RowErrorRead))
    refs = fields.List(fields.String(), metadata={"description": "The new tasks' refs."})
