"""Schemas shared by every resource: pagination and the error envelope."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

MAX_PAGE_SIZE = 100


class PageQuery(Schema):
    """`page` (1-based) and `page_size` (1 to 100) query parameters."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """A list envelope: {"items": [...], "page", "page_size", "total", "pages"}.

    `items` is one `Nested(many=True)`, which dumps the page in a single pass of the item schema;
    `List(Nested(...))` would run a whole schema dump per item, a third more time for 50 tasks.
    Both document the same array of item references.
    """
    return Schema.from_dict(
        {
            "items": fields.Nested(item_schema, many=True),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
            "total": fields.Integer(),
            "pages": fields.Integer(),
        },
        name=name,
    )


class ObjectSchema(Schema):
    """A read schema that dumps objects (entities, dataclasses): each field is `getattr`.

    marshmallow's default accessor also serves mappings and dotted names, so for every field it
    checks the object for item access first; on a 50-task page that is an eighth of the dump.
    Dump only objects with these schemas, never dicts.
    """

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return getattr(obj, attr, default)


class ErrorSchema(Schema):
    """The error envelope of every API error (shared/design.md §4)."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String()
    errors = fields.Dict()


class UserBrief(Schema):
    """A user as others see them."""

    id = fields.Integer()
    username = fields.String()


class Person(fields.Nested):
    """A nested person, documented as UserBrief and dumped as {"id", "username"} in one step.

    A 50-task page holds 100 people; marshmallow's nested dump runs a schema pass for each
    (about a fifth of the page's dump time), where two attribute reads suffice.
    tests/test_schemas.py checks the output against UserBrief's.
    """

    KEYS = tuple(UserBrief().dump_fields)  # ("id", "username"): plain values, no formatting

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(UserBrief, allow_none=True, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else {key: getattr(value, key) for key in self.KEYS}
