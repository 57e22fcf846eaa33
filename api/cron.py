"""GET /api/v1/jobs/<name>: the scheduled jobs for Vercel Cron, behind the cron secret.

The jobs themselves and their names are the registry of api/jobs.py.
"""

from __future__ import annotations

import hmac

from flask import current_app, request
from flask_smorest import Blueprint

from api.errors import NotFound, Unauthorized
from api.jobs import JOBS
from api.notifications import schemas

blp = Blueprint(
    "jobs", __name__, url_prefix="/api/v1/jobs", description="Scheduled jobs (Vercel Cron)"
)


def check_cron_secret() -> None:
    """Require `Authorization: Bearer $CRON_SECRET` (constant-time); 401 otherwise or if unset."""
    secret = current_app.config["CRON_SECRET"] or ""
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {secret}"
    if not secret or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized(
            "A valid cron secret is required.", headers={"WWW-Authenticate": "Bearer"}
        )


@blp.get("/<name>")
@blp.doc(security=[])
@blp.response(200, schemas.JobResult)
def run_job(name: str):
    """Run the reminders, reports, outbox or escalate job now (`Authorization: Bearer
    $CRON_SECRET`)."""
    check_cron_secret()
    if name not in JOBS:
        raise NotFound("No such job.")
    return {"job": name, "result": JOBS[name]()}
