"""Task schemas: create, update, status, assign, read, and the list query."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from api.input_rules import Moment, visible
from api.projects.models import KEY_PATTERN
from api.schemas import CursorPageQuery, ObjectSchema, Person, page_of
from api.tasks.filters import REF_PATTERN, SORTS
from api.tasks.models import Priority, TaskStatus

TITLE = validate.Length(min=1, max=200)
DESCRIPTION = validate.Length(max=20_000)


PROJECT_KEY = validate.Regexp(KEY_PATTERN, error="Must be a project key like OPS.")
LABELS = validate.Length(max=20)
MAX_ASSIGNEES = 10


def _user_id(**kwargs: object) -> fields.Integer:
    # strict: 1.5 or "7" is an error, not a silent cast to another user's id
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=2**63 - 1), **kwargs)


def _assignee_ids() -> fields.List:
    return fields.List(
        _user_id(),
        validate=validate.Length(max=MAX_ASSIGNEES, error="At most 10 assignees."),
    )


def _labels() -> fields.List:
    return fields.List(fields.String(validate=validate.Length(min=1, max=50)), validate=LABELS)


class TaskCreate(Schema):
    """A new task. `project` defaults to GEN (General); `assignee_ids` (0-10 members of the
    project) or `assignee_id` (one person); `labels` are names of the project's labels."""

    title = fields.String(required=True, validate=TITLE)
    description = fields.String(load_default="", validate=DESCRIPTION)
    priority = fields.Enum(Priority, by_value=True, load_default=Priority.NORMAL)
    deadline = Moment(allow_none=True, load_default=None)
    project = fields.String(validate=PROJECT_KEY)
    assignee_id = _user_id(allow_none=True, load_default=None)
    assignee_ids = _assignee_ids()
    labels = _labels()

    @validates("title")
    def _title_not_blank(self, value: str, **_: object) -> None:
        visible(value)


class TaskUpdate(Schema):
    """A partial edit; send only the fields that change. `project` moves the task (lead rights
    in both projects; it gets the next number there); `labels` replaces the labels."""

    title = fields.String(validate=TITLE)
    description = fields.String(validate=DESCRIPTION)
    priority = fields.Enum(Priority, by_value=True)
    deadline = Moment(allow_none=True)
    project = fields.String(validate=PROJECT_KEY)
    labels = _labels()

    @validates("title")
    def _title_not_blank(self, value: str, **_: object) -> None:
        visible(value)


class TaskStatusIn(Schema):
    status = fields.Enum(TaskStatus, by_value=True, required=True)


class TaskAssignIn(Schema):
    """The new assignees: `assignee_ids` (0-10 members of the project; [] unassigns), or
    `assignee_id` (one person, null unassigns)."""

    assignee_id = _user_id(allow_none=True)
    assignee_ids = _assignee_ids()

    @validates_schema
    def _one_of(self, data: dict, **_: object) -> None:
        if "assignee_id" not in data and "assignee_ids" not in data:
            raise ValidationError("Send assignee_ids (or assignee_id).", "assignee_ids")


MAX_BULK_IDS = 100  # one bulk request's tasks; each costs its own transaction


class TaskBulkSet(Schema):
    """What a bulk change sets on every task: `assignee_ids` (replaces; [] unassigns),
    `labels` (replaces) or `add_labels` (adds; names of each task's project's labels),
    `status`, `priority`, `deadline` (null clears it). At least one."""

    assignee_ids = _assignee_ids()
    labels = _labels()
    add_labels = _labels()
    status = fields.Enum(TaskStatus, by_value=True)
    priority = fields.Enum(Priority, by_value=True)
    deadline = Moment(allow_none=True)

    @validates_schema
    def _something(self, data: dict, **_: object) -> None:
        if not data:
            raise ValidationError(
                "Name what to set: assignee_ids, labels, add_labels, status, priority or deadline.",
                "_schema",
            )
        if "labels" in data and "add_labels" in data:
            raise ValidationError("Send labels (replace) or add_labels, not both.", "add_labels")


class TaskBulkIn(Schema):
    """A bulk change: `ids` (1-100 task ids) and either `set` (TaskBulkSet) or
    `delete: true`."""

    ids = fields.List(
        _user_id(),
        required=True,
        validate=validate.Length(min=1, max=MAX_BULK_IDS, error="Send between 1 and 100 task ids."),
    )
    changes = fields.Nested(TaskBulkSet, data_key="set")
    delete = fields.Boolean()

    @validates_schema
    def _one_of(self, data: dict, **_: object) -> None:
        if "changes" in data and data.get("delete"):
            raise ValidationError("Send either set or delete, not both.", "delete")
        if "changes" not in data and not data.get("delete"):
            raise ValidationError('Send set (what to change) or "delete": true.', "set")


class TaskBulkResult(Schema):
    """One task's outcome: `result` is updated, deleted, not_found (you do not see it),
    forbidden (you see it but may not do this) or conflict (this task refused the change:
    `message` says why); `version` is the task's version after an update."""

    id = fields.Integer()
    result = fields.String()
    message = fields.String()
    version = fields.Integer(allow_none=True)


class TaskBulkOut(Schema):
    """Every id's outcome in the order sent, and how many ended each way."""

    results = fields.List(fields.Nested(TaskBulkResult))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class LabelBrief(ObjectSchema):
    id = fields.Integer()
    name = fields.String()
    color = fields.String()


class TaskIncident(ObjectSchema):
    """The incident a task follows up, as its readers see it."""

    public_id = fields.String()
    title = fields.String()
    status = fields.String()


class TaskRead(ObjectSchema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    status = fields.Enum(TaskStatus, by_value=True)
    priority = fields.Enum(Priority, by_value=True)
    deadline = fields.DateTime(allow_none=True)
    is_overdue = fields.Boolean()
    project = fields.String(attribute="project_key", allow_none=True)
    number = fields.Integer(allow_none=True)
    ref = fields.String(allow_none=True)
    assignee = Person(metadata={"description": "The first assignee (compatibility)."})
    assignees = fields.List(Person())
    labels = fields.List(fields.Nested(LabelBrief))
    created_by = Person()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    version = fields.Integer()
    incident = fields.Nested(
        "TaskIncident",
        attribute="source_incident",
        allow_none=True,
        metadata={
            "description": "The incident this task follows up: only in GET /tasks/{id}, and only"
            " when there is one that you may see."
        },
    )


TaskPage = page_of(TaskRead, "TaskPage", cursors=True)


class TaskQuery(CursorPageQuery):
    status = fields.List(fields.Enum(TaskStatus, by_value=True))
    priority = fields.List(fields.Enum(Priority, by_value=True))
    assignee_id = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**63 - 1)),  # BIGINT
        validate=validate.Length(max=50),
        metadata={"description": "Tasks with any of these people among their assignees."},
    )
    project = fields.List(
        fields.String(validate=PROJECT_KEY),
        validate=validate.Length(max=50),
        metadata={"description": "Tasks of any of these projects (keys)."},
    )
    label = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)), validate=validate.Length(max=50)
    )
    ref = fields.String(validate=validate.Regexp(REF_PATTERN, error="Must be a ref like OPS-12."))
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
