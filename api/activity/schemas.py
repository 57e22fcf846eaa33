"""The timeline as the API shows it."""

from __future__ import annotations

from marshmallow import fields

from api.schemas import ObjectSchema, Person


class ActivityRead(ObjectSchema):
    id = fields.Integer()
    action = fields.String()
    actor = Person()
    changes = fields.Dict(metadata={"description": "Changed fields as {field: [old, new]}."})
    created_at = fields.DateTime()
