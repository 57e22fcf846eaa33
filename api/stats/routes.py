"""Team figures under /api/v1/stats."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.guards import current, login_required
from api.incidents.schemas import IncidentStats
from api.permissions import Capability
from api.projects.models import KEY_PATTERN
from api.stats import service
from api.tasks.schemas import TaskStats

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="Statistics")


class StatsRead(Schema):
    tasks = fields.Nested(TaskStats)
    incidents = fields.Nested(IncidentStats)


class StatsQuery(Schema):
    project = fields.String(
        validate=validate.Regexp(KEY_PATTERN, error="Must be a project key like OPS."),
        metadata={"description": "Only the tasks of this project (you must be a member)."},
    )


@blp.get("")
@login_required(Capability.STATS_READ)
@blp.arguments(StatsQuery(), location="query")
@blp.response(200, StatsRead)
def stats(query: dict):
    """Task and incident figures.

    Tasks: by status, overdue, per assignee, completed in the last 30 days. Incidents: open by
    status and by severity, MTTA and MTTR over the last 30 days. Cached per role for
    STATS_CACHE_SECONDS (api/cache.py); any task or incident change invalidates it.
    """
    return service.team_figures(actor=current(), project=query.get("project"))
