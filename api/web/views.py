"""The dashboard: my open tasks, my incidents, and for staff what needs them."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from api.incidents import queries as incidents
from api.incidents.filters import IncidentFilter
from api.incidents.models import IncidentStatus
from api.permissions import Capability, can
from api.tasks import queries as tasks
from api.tasks.filters import TaskFilter
from api.tasks.models import TaskStatus
from api.users import service as users
from api.web.session import current_web_user, page_login_required, web_user

blp = Blueprint("web", __name__)

OPEN_TASKS = [TaskStatus.PENDING, TaskStatus.IN_PROGRESS]
OPEN_INCIDENTS = [IncidentStatus.REPORTED, IncidentStatus.INVESTIGATING]


@blp.get("/")
def home():
    """The dashboard when signed in, else the sign-in page."""
    if current_web_user() is None:
        return redirect(url_for("auth_web.sign_in"))
    return redirect(url_for("web.dashboard"))


@blp.get("/dashboard")
@page_login_required()
def dashboard():
    """What needs me: open tasks by deadline (overdue first), my incidents, the team's overdue,
    and for those who triage incidents the open ones nobody acknowledged or holds."""
    user = web_user()
    mine = tasks.list_tasks(
        filters=TaskFilter(assignee_id=[user.id], status=OPEN_TASKS, sort="deadline"),
        actor=user,
        page=1,
        page_size=10,
    )
    my_incidents = incidents.list_incidents(
        filters=IncidentFilter(scope="mine", status=OPEN_INCIDENTS),
        actor=user,
        page=1,
        page_size=8,
    )
    team_overdue = waiting = triage = None
    if can(user, Capability.INCIDENT_TRIAGE):  # triages every incident: what nobody holds yet
        triage = incidents.needs_triage(actor=user, limit=5)
    if can(user, Capability.TASK_READ):  # sees every task: the team's overdue work
        team_overdue = tasks.list_tasks(
            filters=TaskFilter(overdue=True, sort="deadline"),
            actor=user,
            page=1,
            page_size=10,
        )
    if can(user, Capability.USER_LIST):
        waiting = users.pending_count(actor=user)
    return render_template(
        "dashboard.html",
        mine=mine,
        my_incidents=my_incidents,
        team_overdue=team_overdue,
        waiting=waiting,
        triage=triage,
    )
