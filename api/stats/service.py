"""Team figures for managers and admins: the cached task and incident stats, and weekly counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from api.cache import cached_figures
from api.db import utcnow
from api.extensions import db
from api.incidents import queries as incidents
from api.incidents.models import Incident
from api.permissions import Capability, require
from api.projects import service as projects
from api.tasks import queries as tasks
from api.users.models import User


def team_figures(*, actor: User, project: str | None = None) -> dict[str, Any]:
    """{"tasks": tasks.stats(), "incidents": incidents.stats()} (stats.read); with `project`
    (a key) the task figures cover that project's tasks only.

    Cached per role (and project) for STATS_CACHE_SECONDS (api/cache.py); any task or incident
    change invalidates it. The JSON stats and the stats page both read it. Raises Forbidden;
    NotFound when `actor` is not a member of `project` (administrators see every project).
    """
    require(actor, Capability.STATS_READ)
    scope = projects.get_visible(project, actor) if project else None
    return cached_figures(
        name="stats",
        variant=actor.role.value if scope is None else f"{actor.role.value}:{scope.key}",
        compute=lambda: {"tasks": tasks.stats(project=scope), "incidents": incidents.stats()},
        timeout=current_app.config["STATS_CACHE_SECONDS"],
    )


def _week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week holding `moment`."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def incidents_per_week(
    *, actor: User, weeks: int = 8, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Incidents opened and resolved in each of the last `weeks` ISO weeks (UTC), oldest first
    (stats.read; raises Forbidden).

    Returns [{"week": Monday 00:00 UTC (aware), "opened": n, "resolved": n}]; the current week
    is the last entry. `resolved` counts incidents whose latest resolution falls in the week.
    Two statements.
    """
    require(actor, Capability.STATS_READ)
    now = now or utcnow()
    first = _week_start(now) - timedelta(weeks=weeks - 1)
    buckets = {first + timedelta(weeks=i): {"opened": 0, "resolved": 0} for i in range(weeks)}
    for column, key in ((Incident.reported_at, "opened"), (Incident.resolved_at, "resolved")):
        for (moment,) in db.session.execute(sa.select(column).where(column >= first)):
            bucket = buckets.get(_week_start(moment))
            if bucket is not None:
                bucket[key] += 1
    return [{"week": week, **counts} for week, counts in buckets.items()]
