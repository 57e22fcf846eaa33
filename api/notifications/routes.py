"""The admin outbox (/api/v1/outbox)."""

from __future__ import annotations

from flask_smorest import Blueprint

from api.guards import current, login_required
from api.notifications import schemas, service
from api.permissions import Capability

blp = Blueprint("outbox", __name__, url_prefix="/api/v1/outbox", description="Email outbox (admin)")


@blp.get("")
@login_required(Capability.OUTBOX_ADMIN)
@blp.arguments(schemas.OutboxQuery(), location="query")
@blp.response(200, schemas.OutboxPage)
def list_outbox(query: dict):
    """Emails in the outbox, newest first: status, kind, attempts and the last error."""
    return service.list_outbox(
        filters=service.OutboxFilter(
            status=query.get("status"), kind=query.get("kind"), recipient=query.get("recipient")
        ),
        actor=current(),
        page=query["page"],
        page_size=query["page_size"],
    )


@blp.get("/<int:outbox_id>")
@login_required(Capability.OUTBOX_ADMIN)
@blp.response(200, schemas.OutboxEmailRead)
def get_email(outbox_id: int):
    """One email: its subject and text body as queued (a reset link shows as cleared once sent,
    outside development)."""
    return service.get_email(outbox_id=outbox_id, actor=current())


@blp.post("/<int:outbox_id>/requeue")
@login_required(Capability.OUTBOX_ADMIN)
@blp.response(200, schemas.OutboxRead)
def requeue(outbox_id: int):
    """Give a dead or failed email a fresh set of attempts; it is tried at once."""
    return service.requeue(outbox_id=outbox_id, actor=current())
