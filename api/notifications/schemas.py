"""Outbox schemas: bodies are never listed (a reset link is a credential)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.notifications.models import EmailKind, OutboxStatus
from api.schemas import PageQuery, page_of


class OutboxRead(Schema):
    id = fields.Integer()
    kind = fields.Enum(EmailKind, by_value=True)
    recipient = fields.String()
    user_id = fields.Integer(allow_none=True)
    subject = fields.String()
    status = fields.Enum(OutboxStatus, by_value=True)
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    last_error = fields.String(allow_none=True)
    provider_message_id = fields.String(allow_none=True)
    dedupe_key = fields.String()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


OutboxPage = page_of(OutboxRead, "OutboxPage")


class OutboxEmailRead(OutboxRead):
    """One email as the admin opens it: with its text body (a single-use credential shows as
    cleared once sent, outside development)."""

    body_text = fields.String()


class OutboxQuery(PageQuery):
    status = fields.Enum(OutboxStatus, by_value=True)
    kind = fields.Enum(EmailKind, by_value=True)
    recipient = fields.String(validate=validate.Length(min=1, max=254))


class JobResult(Schema):
    job = fields.String()
    result = fields.Dict()
