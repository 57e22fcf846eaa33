"""Inbox schemas: notifications, the read command, preferences."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.inbox.models import Channel, NotificationKind
from api.schemas import ObjectSchema, PageQuery, Person, page_of


class NotificationQuery(PageQuery):
    unread = fields.Boolean(metadata={"description": "true: unread only; false: read only."})


class NotificationRead(ObjectSchema):
    id = fields.Integer()
    kind = fields.Enum(NotificationKind, by_value=True)
    actor = Person()
    title = fields.String()
    excerpt = fields.String()
    path = fields.String(metadata={"description": "The page of the task or incident."})
    task_id = fields.Integer(allow_none=True)
    incident_id = fields.Integer(allow_none=True)
    comment_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


NotificationPage = page_of(NotificationRead, "NotificationPage")


class MarkRead(Schema):
    """`{"ids": [...]}` (1 to 100 of your notification ids) or `{"all": true}`."""

    ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=2**63 - 1)),
        validate=validate.Length(min=1, max=100),
    )
    all = fields.Boolean(truthy={True}, falsy={False})  # JSON true, not "yes"

    @validates_schema
    def _one_of(self, data: dict, **_: object) -> None:
        if bool(data.get("ids")) == bool(data.get("all")):
            raise ValidationError('Give "ids" (a list of notification ids) or "all": true.', "ids")


class UnreadCount(Schema):
    unread = fields.Integer()


PREFERENCE_FIELDS = {
    kind.value: fields.Enum(Channel, by_value=True, metadata={"description": f"{kind.value}"})
    for kind in NotificationKind
}
Preferences = Schema.from_dict(PREFERENCE_FIELDS, name="NotificationPreferences")
