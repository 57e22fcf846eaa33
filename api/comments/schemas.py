"""Comment and watcher schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.markup import MAX_LENGTH
from api.schemas import ObjectSchema, Person, UserBrief, page_of

BODY = validate.Length(min=1, max=MAX_LENGTH, error="Between {min} and {max} characters.")


class CommentIn(Schema):
    """A comment's Markdown body (1 to 10,000 characters, not blank)."""

    body = fields.String(required=True, validate=BODY)


class CommentRead(ObjectSchema):
    id = fields.Integer()
    task_id = fields.Integer()
    author = Person()
    body = fields.String(metadata={"description": "Markdown, as written."})
    body_html = fields.String(metadata={"description": "The body rendered to sanitized HTML."})
    mentions = fields.List(
        fields.Nested(UserBrief),
        attribute="mentioned",
        metadata={"description": "People mentioned who could see the task when it was saved."},
    )
    created_at = fields.DateTime()
    edited_at = fields.DateTime(allow_none=True)


CommentPage = page_of(CommentRead, "CommentPage")


class WatcherRead(Schema):
    id = fields.Integer()
    username = fields.String()


class Watching(Schema):
    watching = fields.Boolean()
