"""The timeline as the API shows it."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas import UserBrief


class ActivityRead(Schema):
    id = fields.Integer()
    action = fields.String()
    actor = fields.Nested(UserBrief, allow_none=True)
    changes = fields.Dict(metadata={"description": "Changed fields as {field: [old, new]}."})
    created_at = fields.DateTime()
