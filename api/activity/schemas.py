"""The timeline as the API shows it."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.schemas import Person


class ActivityRead(Schema):
    id = fields.Integer()
    action = fields.String()
    actor = Person()
    changes = fields.Dict(metadata={"description": "Changed fields as {field: [old, new]}."})
    created_at = fields.DateTime()
