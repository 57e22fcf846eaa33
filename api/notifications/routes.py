"""The admin outbox (/api/v1/outbox) and the Vercel Cron job endpoints (/api/v1/jobs/<name>)."""

from __future__ import annotations

import hmac

from flask import current_app, request
from flask_smorest import Blueprint

from api.errors import NotFound, Unauthorized
from api.guards import current, login_required
from api.notifications import schemas, service
from api.permissions import Capability

blp = Blueprint("outbox", __name__, url_prefix="/api/v1/outbox", description="Email outbox (admin)")
jobs_blp = Blueprint(
    "jobs", __name__, url_prefix="/api/v1/jobs", description="Scheduled jobs (Vercel Cron)"
)


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


@blp.post("/<int:outbox_id>/requeue")
@login_required(Capability.OUTBOX_ADMIN)
@blp.response(200, schemas.OutboxRead)
def requeue(outbox_id: int):
    """Give a dead or failed email a fresh set of attempts; it is tried at once."""
    return service.requeue(outbox_id=outbox_id, actor=current())


def check_cron_secret() -> None:
    """Require `Authorization: Bearer $CRON_SECRET` (constant-time); 401 otherwise or if unset."""
    secret = current_app.config["CRON_SECRET"] or ""
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {secret}"
    if not secret or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized(
            "A valid cron secret is required.", headers={"WWW-Authenticate": "Bearer"}
        )


@jobs_blp.get("/<name>")
@jobs_blp.doc(security=[])
@jobs_blp.response(200, schemas.JobResult)
def run_job(name: str):
    """Run the reminders, reports or outbox job now (`Authorization: Bearer $CRON_SECRET`)."""
    from api.notifications.cli import JOBS

    check_cron_secret()
    if name not in JOBS:
        raise NotFound("No such job.")
    return {"job": name, "result": JOBS[name]()}
