"""Webhook schemas: the secret appears in `WebhookCreated` only (the answer that makes it)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas import ObjectSchema, PageQuery, page_of
from api.webhooks.models import DeliveryStatus, EventType, WebhookFormat

URL = validate.Length(min=1, max=2000, error="Between {min} and {max} characters.")
EVENTS = fields.List(
    fields.Enum(EventType, by_value=True),
    validate=validate.Length(min=1, max=len(EventType), error="Choose at least one event."),
    metadata={"description": "Event types: " + ", ".join(e.value for e in EventType) + "."},
)


class WebhookIn(Schema):
    """A new webhook: an https URL on a public address (http and local addresses in
    development only), at least one event type, the body format, a description."""

    url = fields.String(required=True, validate=URL)
    events = fields.List(
        fields.Enum(EventType, by_value=True),
        required=True,
        validate=validate.Length(min=1, max=len(EventType), error="Choose at least one event."),
        metadata=EVENTS.metadata,
    )
    format = fields.Enum(
        WebhookFormat,
        by_value=True,
        load_default=WebhookFormat.STANDARD,
        metadata={"description": 'standard: the signed JSON envelope; slack: {"text": …}.'},
    )
    description = fields.String(load_default="", validate=validate.Length(max=200))
    active = fields.Boolean(load_default=True)


class WebhookUpdate(Schema):
    """A partial edit: any of url, events, format, description, active."""

    url = fields.String(validate=URL)
    events = fields.List(
        fields.Enum(EventType, by_value=True),
        validate=validate.Length(min=1, max=len(EventType), error="Choose at least one event."),
        metadata=EVENTS.metadata,
    )
    format = fields.Enum(WebhookFormat, by_value=True)
    description = fields.String(validate=validate.Length(max=200))
    active = fields.Boolean()


class WebhookRead(ObjectSchema):
    id = fields.Integer()
    url = fields.String()
    description = fields.String()
    format = fields.Enum(WebhookFormat, by_value=True)
    events = fields.List(fields.String())
    active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class WebhookCreated(WebhookRead):
    """The new webhook with its signing secret (`whsec_…`): shown in this answer only."""

    secret = fields.String(metadata={"description": "Shown once; store it now."})


class WebhookList(Schema):
    items = fields.Nested(WebhookRead, many=True)


class DeliveryRead(ObjectSchema):
    id = fields.Integer()
    webhook_id = fields.Integer()
    message_id = fields.String(metadata={"description": "The webhook-id header (every retry)."})
    event_type = fields.Enum(EventType, by_value=True)
    status = fields.Enum(DeliveryStatus, by_value=True)
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    retry_until = fields.DateTime()
    last_status = fields.Integer(allow_none=True, metadata={"description": "HTTP status."})
    last_response = fields.String(
        allow_none=True, metadata={"description": "The start of the last answer, or the error."}
    )
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)


DeliveryPage = page_of(DeliveryRead, "DeliveryPage")


class DeliveryDetail(DeliveryRead):
    body = fields.String(metadata={"description": "The JSON envelope as sent."})


class DeliveryQuery(PageQuery):
    status = fields.Enum(DeliveryStatus, by_value=True)
    webhook_id = fields.Integer(validate=validate.Range(min=1))
