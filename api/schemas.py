"""Schemas shared by every resource: pagination and the error envelope."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

MAX_PAGE_SIZE = 100


class PageQuery(Schema):
    """`page` (1-based) and `page_size` (1 to 100) query parameters."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class CursorPageQuery(PageQuery):
    """PageQuery plus `cursor`: the `next` or `prev` value of a page of the same list."""

    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=100_000),
        metadata={
            "description": "1-based page number, served while the page starts within the first "
            "10,000 rows (422 naming `page` beyond): follow `next` cursors to read further."
        },
    )

    cursor = fields.String(
        validate=validate.Length(min=1, max=1000),
        metadata={
            "description": "The `next` or `prev` of a page of this list (same filters and "
            "sort): the page after or before it. Takes precedence over `page`."
        },
    )


def page_of(item_schema: type[Schema], name: str, *, cursors: bool = False) -> type[Schema]:
    """A list envelope: {"items": [...], "page", "page_size", "total", "pages"}; with `cursors`
    also "next", "prev" and "total_is_lower_bound" (api/listing.py).

    `items` is one `Nested(many=True)`, which dumps the page in a single pass of the item schema;
    `List(Nested(...))` would run a whole schema dump per item, a third more time for 50 tasks.
    Both document the same array of item references.
    """
    shape: dict[str, fields.Field] = {
        "items": fields.Nested(item_schema, many=True),
        "page": fields.Integer(),
        "page_size": fields.Integer(),
        "total": fields.Integer(),
        "pages": fields.Integer(),
    }
    if cursors:
        shape.update(
            total=fields.Integer(
                metadata={
                    "description": "Matching rows, counted exactly up to 10,000; beyond, "
                    "10,000 with total_is_lower_bound true (counting stops there so that a "
                    "list costs the same whatever the table's size)."
                }
            ),
            total_is_lower_bound=fields.Boolean(
                metadata={"description": "True when more than `total` rows match."}
            ),
            next=fields.String(
                attribute="next_cursor",
                allow_none=True,
                metadata={
                    "description": "Pass as `cursor` for the page after this one; "
                    "null on the last page. Opaque and signed."
                },
            ),
            prev=fields.String(
                attribute="prev_cursor",
                allow_none=True,
                metadata={
                    "description": "Pass as `cursor` for the page before this one; "
                    "null on the first page."
                },
            ),
        )
    return Schema.from_dict(shape, name=name)


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
