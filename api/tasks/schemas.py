"""Task schemas: create, update, status, assign, read, and the list query."""

from __future__ import annotations

from marshmallow import Schema, fields, validate, validates

from api.input_rules import Moment, visible
from api.schemas import CursorPageQuery, ObjectSchema, Person, page_of
from api.tasks.filters import SORTS
from api.tasks.models import Priority, TaskStatus

TITLE = validate.Length(min=1, max=200)
DESCRIPTION = validate.Length(max=20_000)


class TaskCreate(Schema):
    title = fields.String(required=True, validate=TITLE)
    description = fields.String(load_default="", validate=DESCRIPTION)
    priority = fields.Enum(Priority, by_value=True, load_default=Priority.NORMAL)
    deadline = Moment(allow_none=True, load_default=None)
    # strict: 1.5 or "7" is an error, not a silent cast to another user's id
    assignee_id = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1)
    )

    @validates("title")
    def _title_not_blank(self, value: str, **_: object) -> None:
        visible(value)


class TaskUpdate(Schema):
    """A partial edit; send only the fields that change."""

    title = fields.String(validate=TITLE)
    description = fields.String(validate=DESCRIPTION)
    priority = fields.Enum(Priority, by_value=True)
    deadline = Moment(allow_none=True)

    @validates("title")
    def _title_not_blank(self, value: str, **_: object) -> None:
        visible(value)


class TaskStatusIn(Schema):
    status = fields.Enum(TaskStatus, by_value=True, required=True)


class TaskAssignIn(Schema):
    assignee_id = fields.Integer(
        strict=True, required=True, allow_none=True, validate=validate.Range(min=1)
    )


class TaskRead(ObjectSchema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    status = fields.Enum(TaskStatus, by_value=True)
    priority = fields.Enum(Priority, by_value=True)
    deadline = fields.DateTime(allow_none=True)
    is_overdue = fields.Boolean()
    assignee = Person()
    created_by = Person()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


TaskPage = page_of(TaskRead, "TaskPage", cursors=True)


class TaskQuery(CursorPageQuery):
    status = fields.List(fields.Enum(TaskStatus, by_value=True))
    priority = fields.List(fields.Enum(Priority, by_value=True))
    assignee_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))  # BIGINT
    unassigned = fields.Boolean()
    deadline_from = Moment()
    deadline_to = Moment()
    overdue = fields.Boolean()
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "Words in the title or description (full-text: every word of 3 or "
            "more letters, each as a prefix; common words ignored). With no such word, titles "
            "starting with the text. Sorted by relevance unless `sort` is given."
        },
    )
    sort = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={"description": "Default `-created`, or `relevance` when searching with `q`."},
    )


class TaskStats(Schema):
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    overdue = fields.Integer()
    completed_last_30_days = fields.Integer()
    per_assignee = fields.List(fields.Dict())
