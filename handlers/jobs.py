"""Lambda entry points for the scheduled jobs: reminders (hourly), reports (Monday 08:00 UTC),
outbox (every 5 minutes), escalate (every 5 minutes), and migrate (invoked by the deploy pipeline).

Each accepts the EventBridge scheduled event (`source: aws.events`; its `time` becomes the job's
`now`, so a retried delivery of one event works on the same hour) or a direct invocation
(`{"now": "2026-11-23T10:00:00Z"}`, every key optional). The app is built once per container;
each call pushes an app context, runs the shared job function, logs, and re-raises on failure so
that Lambda's retry and the error metrics see it.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask

log = logging.getLogger("handlers.jobs")
_app: Flask | None = None


def get_app() -> Flask:
    """The container's app, built on first use."""
    global _app
    if _app is None:
        from handlers import build_app

        _app = build_app()
    return _app


def event_time(event: Any) -> datetime | None:
    """`now` for the job: the scheduled event's `time`, a direct invocation's `now`, or None.

    Raises ValueError for a time that is not ISO 8601.
    """
    if not isinstance(event, dict):
        return None
    raw = event.get("time") if event.get("source") == "aws.events" else event.get("now")
    if not raw:
        return None
    moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _run(name: str, event: Any, context: Any) -> dict[str, Any]:
    from api.extensions import db
    from api.jobs import JOBS

    app = get_app()
    request_id = getattr(context, "aws_request_id", "-")
    with app.app_context():
        try:
            result = JOBS[name](now=event_time(event))
        except Exception:
            log.exception("job %s failed (request id %s)", name, request_id)
            raise
        finally:
            db.session.remove()
    # `job`, `result` and `stage` become JSON fields of the line (Lambda's JSON log format):
    # serverless.yml's metric filter counts the outbox's dead emails from them.
    log.info(
        "job %s done (request id %s): %s",
        name,
        request_id,
        result,
        extra={"job": name, "result": result, "stage": _stage()},
    )
    return {"job": name, "result": result}


def _stage() -> str:
    """The deployment stage from TASKDESK_SSM_PATH (/taskdesk/<stage>/), or "local"."""
    parts = [p for p in os.environ.get("TASKDESK_SSM_PATH", "").split("/") if p]
    return parts[-1] if parts else "local"


def reminders(event: Any, context: Any) -> dict[str, Any]:
    """Hourly: the daily reminder for users whose local time has reached REMINDER_HOUR."""
    return _run("reminders", event, context)


def reports(event: Any, context: Any) -> dict[str, Any]:
    """Weekly (Monday): the summary report to managers and admins."""
    return _run("reports", event, context)


def outbox(event: Any, context: Any) -> dict[str, Any]:
    """Every 5 minutes: retry pending and failed email."""
    return _run("outbox", event, context)


def escalate(event: Any, context: Any) -> dict[str, Any]:
    """Every 5 minutes: notify the next level about incidents still unacknowledged."""
    return _run("escalate", event, context)


def migrate(event: Any, context: Any) -> dict[str, Any]:
    """Apply the Alembic migrations up to head, then make sure the application's database user
    exists with exactly its grants (the deploy pipeline invokes this, as the master user).

    The user comes from the secret named by TASKDESK_APP_USER_SECRET (JSON username, password:
    the one RDS Proxy signs in with); without that variable only the migrations run. Returns
    {"job": "migrate", "result": {"revision": "head", "app_user": {"created", "granted"}}}.
    """
    from api.cli import upgrade_database

    app = get_app()
    upgrade_database(app)
    request_id = getattr(context, "aws_request_id", "-")
    log.info("migrations applied (request id %s)", request_id)
    result: dict[str, Any] = {"revision": "head"}
    secret_id = os.environ.get("TASKDESK_APP_USER_SECRET")
    if secret_id:
        result["app_user"] = _ensure_app_user(app, secret_id)
        log.info("application database user checked (request id %s): %s", request_id, result)
    return {"job": "migrate", "result": result}


def _ensure_app_user(app: Flask, secret_id: str) -> dict[str, bool]:
    from api.db_users import ensure_app_user
    from api.extensions import db
    from handlers.environment import read_secret

    secret = read_secret(secret_id)
    with app.app_context(), db.engine.begin() as connection:
        schema = connection.engine.url.database or "taskdesk"
        return ensure_app_user(connection, str(secret["username"]), str(secret["password"]), schema)
