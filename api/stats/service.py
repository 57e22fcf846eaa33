"""Team figures for managers and admins: the cached task and incident stats, and weekly counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import current_app

from api.cache import cached_figures
from api.db import utcnow
from api.extensions import db
from api.incidents import queries as incidents
from api.incidents import reviews
from api.incidents.models import Incident
from api.permissions import Capability, require
from api.projects import service as projects
from api.tasks import queries as tasks
from api.users.models import User


def team_figures(*, actor: User, project: str | None = None) -> dict[str, Any]:
    """{"tasks": tasks.stats(), "incidents": incidents.stats() with the open reviews and
    follow-ups (api.incidents.reviews.open_counts)} (stats.read); with `project`
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
        compute=lambda: {
            "tasks": tasks.stats(project=scope),
            "incidents": {**incidents.stats(), **reviews.open_counts()},
        },
        timeout=current_app.config["STATS_CACHE_SECONDS"],
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # a zone tzdata no longer ships: UTC
        return ZoneInfo("UTC")


def _week_start(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday (a local date in `zone`) of the ISO week holding `moment`."""
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def incidents_per_week(
    *, actor: User, weeks: int = 8, now: datetime | None = None, zone: str = "UTC"
) -> list[dict[str, Any]]:
    """Incidents opened and resolved in each of the last `weeks` ISO weeks of the IANA time
    zone `zone` (the viewer's; an unknown name counts as UTC), oldest first (stats.read;
    raises Forbidden).

    Returns [{"week": Monday 00:00 in `zone` (aware), "opened": n, "resolved": n}]; the current
    week is the last entry. `resolved` counts incidents whose latest resolution falls in the
    week. A week is 7 local days from Monday 00:00 (23 or 25 hours long around DST changes).
    Two statements.
    """
    require(actor, Capability.STATS_READ)
    tz = _zone(zone)
    now = now or utcnow()
    first = _week_start(now, tz) - timedelta(weeks=weeks - 1)
    buckets = {first + timedelta(weeks=i): {"opened": 0, "resolved": 0} for i in range(weeks)}
    since = datetime.combine(first, time(), tzinfo=tz).astimezone(UTC)
    for column, key in ((Incident.reported_at, "opened"), (Incident.resolved_at, "resolved")):
        for (moment,) in db.session.execute(sa.select(column).where(column >= since)):
            bucket = buckets.get(_week_start(moment, tz))
            if bucket is not None:
                bucket[key] += 1
    return [
        {"week": datetime.combine(week, time(), tzinfo=tz), **counts}
        for week, counts in buckets.items()
    ]
