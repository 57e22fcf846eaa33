"""Team figures under /api/v1/stats."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.permissions import STAFF, login_required
from api.tasks import service as tasks
from api.tasks.schemas import TaskStats

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="Statistics")


class StatsRead(Schema):
    tasks = fields.Nested(TaskStats)


@blp.get("")
@login_required(*STAFF)
@blp.response(200, StatsRead)
def stats():
    """Task figures: by status, overdue, per assignee, completed in the last 30 days."""
    return {"tasks": tasks.stats()}
