"""Schemas shared by every resource: pagination and the error envelope."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

MAX_PAGE_SIZE = 100


class PageQuery(Schema):
    """`page` (1-based) and `page_size` (1 to 100) query parameters."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """A list envelope: {"items": [...], "page", "page_size", "total", "pages"}."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
            "total": fields.Integer(),
            "pages": fields.Integer(),
        },
        name=name,
    )


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
