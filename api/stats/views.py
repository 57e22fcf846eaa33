"""The stats page: tasks by status, overdue per assignee, incidents opened vs resolved per week,
MTTA and MTTR, drawn as server-rendered SVG (no script, nothing from a CDN)."""

from __future__ import annotations

import re

from flask import Blueprint, render_template, request

from api.permissions import Capability
from api.projects import service as project_service
from api.projects.models import KEY_PATTERN
from api.stats import service
from api.web import charts
from api.web.session import page_login_required, web_user

blp = Blueprint("stats_web", __name__, url_prefix="/stats")


@blp.get("")
@page_login_required(Capability.STATS_READ)
def index():
    """Team figures for managers and admins."""
    user = web_user()
    project = request.args.get("project", "").strip().upper()
    project = project if re.fullmatch(KEY_PATTERN, project) else None
    figures = service.team_figures(actor=user, project=project)
    task_stats, incident_stats = figures["tasks"], figures["incidents"]
    weeks = service.incidents_per_week(actor=user, weeks=8, zone=user.timezone)
    by_status = [
        (name.replace("_", " ").capitalize(), count, name)
        for name, count in task_stats["by_status"].items()
    ]
    overdue = [
        (row["username"], row["overdue"], "overdue")
        for row in task_stats["per_assignee"]
        if row["overdue"]
    ][:12]
    return render_template(
        "stats/index.html",
        tasks=task_stats,
        incidents=incident_stats,
        status_chart=charts.bars(by_status),
        overdue_chart=charts.bars(overdue),
        weekly_chart=charts.grouped_bars(
            [(w["week"].strftime("%d %b"), w["opened"], w["resolved"]) for w in weeks],
            series=("Opened", "Resolved"),
        ),
        weeks=weeks,
        zone=user.timezone,
        project=project,
        projects=project_service.list_visible(user, include_archived=False),
    )
