"""Project schemas: create, edit, read, members and labels."""

from __future__ import annotations

from marshmallow import Schema, fields, validate, validates

from api.input_rules import visible
from api.projects.models import KEY_PATTERN, ProjectRole
from api.schemas import ObjectSchema, Person

NAME = validate.Length(min=1, max=100)
DESCRIPTION = validate.Length(max=20_000)
LABEL_NAME = validate.Length(min=1, max=50)
COLOR = validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="Must be a colour like #1f6feb.")
KEY = validate.Regexp(KEY_PATTERN, error="Must be 2 to 10 capital letters or digits, like OPS.")


class ProjectCreate(Schema):
    key = fields.String(required=True, validate=KEY)
    name = fields.String(required=True, validate=NAME)
    description = fields.String(load_default="", validate=DESCRIPTION)

    @validates("name")
    def _name_not_blank(self, value: str, **_: object) -> None:
        visible(value)


class ProjectUpdate(Schema):
    """A partial edit of name or description; the key never changes."""

    name = fields.String(validate=NAME)
    description = fields.String(validate=DESCRIPTION)

    @validates("name")
    def _name_not_blank(self, value: str, **_: object) -> None:
        visible(value)


class ProjectRead(ObjectSchema):
    id = fields.Integer()
    key = fields.String()
    name = fields.String()
    description = fields.String()
    created_at = fields.DateTime()
    archived_at = fields.DateTime(allow_none=True)
    is_archived = fields.Boolean()


class MemberIn(Schema):
    role = fields.Enum(ProjectRole, by_value=True, required=True)


class MemberRead(Schema):
    id = fields.Integer()
    user = Person()
    role = fields.Enum(ProjectRole, by_value=True)


class LabelCreate(Schema):
    name = fields.String(required=True, validate=LABEL_NAME)
    color = fields.String(load_default="#6b7280", validate=COLOR)

    @validates("name")
    def _name_not_blank(self, value: str, **_: object) -> None:
        visible(value)


class LabelUpdate(Schema):
    name = fields.String(validate=LABEL_NAME)
    color = fields.String(validate=COLOR)

    @validates("name")
    def _name_not_blank(self, value: str, **_: object) -> None:
        visible(value)


class LabelRead(ObjectSchema):
    id = fields.Integer()
    name = fields.String()
    color = fields.String()
