"""The outbox's scheduled job: retry pending and failed email (every 5 minutes; api/jobs.py).

Sending, retries, backoff and the claim that keeps two runs from sending one row twice are in
api/notifications/delivery.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def run_outbox_job(now: datetime | None = None, progress: Any = None) -> dict[str, Any]:
    """Send what is due in the outbox; returns {"claimed", "sent", "deferred", "failed",
    "dead", "lost"} (`lost`: rows another worker took over)."""
    from api.notifications.delivery import run_outbox

    result = run_outbox(now=now, progress=progress)
    return {
        "claimed": result.claimed,
        "sent": result.sent,
        "deferred": result.deferred,
        "failed": result.failed,
        "dead": result.dead,
        "lost": result.lost,
    }
