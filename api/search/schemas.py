"""Search schemas: the query and a page of results."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from api.input_rules import visible
from api.schemas import ObjectSchema, PageQuery

MAX_PAGE_SIZE = 50


class SearchQuery(PageQuery):
    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "Words (3 or more letters each, every one must appear, each as a "
            "prefix; common words skipped) or a task ref such as OPS-12."
        },
    )
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))

    @validates("q")
    def _q_not_blank(self, value: str, **_: object) -> None:
        visible(value)
        if not value.strip():
            raise ValidationError("Enter something to search for.")


class SearchHit(ObjectSchema):
    kind = fields.String(metadata={"description": "task or incident"})
    id = fields.Integer()
    ref = fields.String(
        allow_none=True, metadata={"description": "The task's ref (OPS-12) or incident's id."}
    )
    title = fields.String()
    status = fields.String()
    matched = fields.String(metadata={"description": "ref, text, comment or response"})
    snippet = fields.String(
        metadata={
            "description": "HTML: a window of the matched text, escaped, with the searched "
            "words in <mark>."
        }
    )
    url = fields.String(metadata={"description": "The page of the task or incident."})
    score = fields.Float(metadata={"description": "Relevance (higher is better)."})


class SearchPage(Schema):
    items = fields.Nested(SearchHit, many=True)
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()
    total_is_lower_bound = fields.Boolean(
        metadata={"description": "True when more rows match than are ranked (200 per source)."}
    )
    jump = fields.String(
        allow_none=True,
        metadata={"description": "The task page, when `q` is the ref of a task you can see."},
    )
