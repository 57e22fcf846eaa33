"""Saved view schemas: create, update (partial), read; the filters are the task list's own."""

from __future__ import annotations

from marshmallow import Schema, fields, validate, validates

from api.input_rules import visible
from api.projects.models import KEY_PATTERN
from api.saved_views.models import NAME_LENGTH
from api.schemas import ObjectSchema
from api.tasks.filters import SORTS
from api.tasks.schemas import TaskQuery

# The task-list query keys a view may hold, each validated by the list's own field (TaskQuery).
FILTER_KEYS = ("status", "priority", "assignee_id", "project", "label", "unassigned", "overdue")
ViewFilters = Schema.from_dict(
    {key: TaskQuery().fields[key] for key in FILTER_KEYS}, name="ViewFilters"
)
NAME = validate.Length(min=1, max=NAME_LENGTH)
SHARE = validate.Regexp(KEY_PATTERN, error="Must be a project key like OPS.")


class _ViewFields(Schema):
    name = fields.String(validate=NAME)
    filters = fields.Nested(
        ViewFilters,
        metadata={
            "description": "The task list's filters: status, priority, assignee_id, project, "
            "label (lists), unassigned, overdue (booleans). Any other key is refused (422)."
        },
    )
    sort = fields.String(allow_none=True, validate=validate.OneOf(SORTS))
    project = fields.String(
        allow_none=True,
        validate=SHARE,
        metadata={
            "description": "Share with the members of this project (a key you can see); "
            "null keeps the view private."
        },
    )

    @validates("name")
    def _name_not_blank(self, value: str, **_: object) -> None:
        visible(value)


class ViewCreate(_ViewFields):
    """A new view: `name` (1-80 characters) required; `filters` default {}."""

    name = fields.String(required=True, validate=NAME)
    filters = fields.Nested(ViewFilters, load_default=dict)


class ViewUpdate(_ViewFields):
    """A partial edit: send only what changes."""


class ViewRead(ObjectSchema):
    id = fields.Integer()
    name = fields.String()
    filters = fields.Dict()
    sort = fields.String(allow_none=True)
    project = fields.String(attribute="project_key", allow_none=True)
    shared = fields.Boolean()
    owner = fields.Function(lambda v: {"id": v.owner.id, "username": v.owner.username})
    url = fields.String(metadata={"description": "The task list page showing the view."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
