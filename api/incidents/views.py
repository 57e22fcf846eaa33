"""Incident pages: list (mine / public / all), report, detail with responses, status changes and
timeline (HTML; the same service and schemas as /api/v1/incidents)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from api.incidents import followups, links, queries, reviews, schemas, service
from api.incidents.filters import IncidentFilter
from api.incidents.models import Incident, IncidentStatus, Severity, Visibility
from api.notifications import service as outbox
from api.notifications.models import OutboxStatus
from api.permissions import Capability, can
from api.users.models import User
from api.web import forms
from api.web.session import page_login_required, web_user
from api.web.timeline import describe

blp = Blueprint("incidents_web", __name__, url_prefix="/incidents")

REPORT_FIELDS = ("title", "description", "severity", "visibility")
PAGE_SIZE = 20


# The triage view: every open incident, most severe and then newest first. It is the first tab
# of those who triage every incident (incident.triage, api/permissions.py GRANTS).
TRIAGE = "triage"
TRIAGE_DEFAULTS = {
    "status": [s.value for s in queries.OPEN_STATUSES],
    "sort": "-severity",
}


def _triages(user: User) -> bool:
    return can(user, Capability.INCIDENT_TRIAGE)


def _scopes(user: User) -> list[tuple[str, str]]:
    scopes = [("mine", "Mine"), ("public", "Others'")]
    if can(user, Capability.INCIDENT_READ):  # sees every incident
        scopes.append(("all", "All"))
    if _triages(user):
        scopes.insert(0, (TRIAGE, "To triage"))
    return scopes


def _query(user: User) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The loaded query, the errors of what was ignored, and the tab shown."""
    default = TRIAGE if _triages(user) else "mine"
    tab = request.args.get("scope") or default
    triage = tab == TRIAGE and _triages(user)
    raw: dict[str, Any] = {"scope": "all" if triage else tab, "page_size": PAGE_SIZE}
    for key in ("status", "severity"):
        values = [v for v in request.args.getlist(key) if v]
        if values:
            raw[key] = values
    for key in ("q", "lead", "page", "sort", "cursor"):
        value = request.args.get(key, "").strip()
        if value:
            raw[key] = value
    if triage:
        for key, value in TRIAGE_DEFAULTS.items():
            raw.setdefault(key, value)
    try:
        return schemas.IncidentQuery().load(raw), {}, tab
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {}
        for key in errors:
            raw.pop(key, None)
        if "scope" in errors:
            tab = default
            raw["scope"] = "all" if tab == TRIAGE else tab
        if tab == TRIAGE:
            for key, value in TRIAGE_DEFAULTS.items():
                raw.setdefault(key, value)
        return schemas.IncidentQuery().load(raw), errors, tab


@blp.get("")
@page_login_required()
def index():
    """Incidents by scope: the open ones to triage (the default for those who triage), mine
    (reported by or assigned to me), others' I may see, or all."""
    user = web_user()
    query, errors, tab = _query(user)
    page, errors = forms.list_page(
        lambda **position: queries.list_incidents(
            filters=IncidentFilter.from_query(query),
            actor=user,
            page_size=query["page_size"],
            **position,
        ),
        query,
        errors,
    )
    return render_template(
        "incidents/index.html",
        page=page,
        query=query,
        query_errors=errors,
        tab=tab,
        scopes=_scopes(user),
        may_lead=can(user, Capability.INCIDENT_LEAD),
        statuses=list(IncidentStatus),
        severities=list(Severity),
    )


@blp.route("/new", methods=["GET", "POST"])
@page_login_required(Capability.INCIDENT_REPORT)
def report():
    """Report an incident; anyone signed in may."""
    user = web_user()
    form = forms.read_form(REPORT_FIELDS)
    status = 200
    if request.method == "POST":
        raw = {name: request.form.get(name, "") for name in REPORT_FIELDS}
        data = forms.load(
            form, schemas.IncidentCreate(), raw, drop_blank=("severity", "visibility")
        )
        if data is not None:
            with forms.attempt(form):
                incident = service.report(data=data, actor=user)
                flash(_reported_message(incident), "success")
                return redirect(url_for("incidents_web.detail", public_id=incident.public_id))
        status = 422
    else:
        form.values.update(severity=Severity.MEDIUM.value, visibility=Visibility.PUBLIC.value)
    return render_template(
        "incidents/report.html",
        form=form,
        severities=list(Severity),
        visibilities=list(Visibility),
    ), status


def _reported_message(incident: Incident) -> str:
    """What the reporter is told: only the alerts that are really on their way (issue 12)."""
    counts = outbox.outcome_counts(f"incident-alert:{incident.id}:")
    queued = sum(n for status, n in counts.items() if status != OutboxStatus.SKIPPED)
    skipped = counts.get(OutboxStatus.SKIPPED, 0)
    message = "Incident reported."
    if queued:
        who = "person who triages" if queued == 1 else "people who triage"
        message += f" An alert is on its way to {queued} {who} incidents."
    if skipped:
        message += f" {skipped} alert{'' if skipped == 1 else 's'} could not be sent:"
        message += " the address was refused (kept in the email outbox)."
    return message


def _get(public_id: str, user: User) -> Incident:
    """The incident, or NotFound: a malformed id in a page URL is a page that is not there."""
    try:
        return queries.get_visible(public_id, user)
    except Unprocessable as error:
        raise NotFound("Incident not found.") from error


def _detail(
    incident: Incident,
    *,
    response_form: forms.Form | None = None,
    status: int = 200,
    action_error: str | None = None,
    conflict: forms.Conflict | None = None,
):
    user = web_user()
    responses = queries.list_responses(
        public_id=incident.public_id, actor=user, page=1, page_size=100
    )
    return render_template(
        "incidents/detail.html",
        incident=incident,
        responses=responses,
        timeline=describe(queries.timeline(public_id=incident.public_id, actor=user)),
        next_statuses=queries.allowed_statuses(incident, user),
        may_triage=queries.may_triage(incident, user),
        severities=list(Severity),
        assignees=queries.triage_choices(incident, user),
        leads=queries.lead_choices(incident, user),
        response_form=response_form or forms.Form(),
        follow_ups=followups.list_for(incident, user),
        may_follow_up=can(user, Capability.INCIDENT_FOLLOW_UP, incident),
        may_publish=can(user, Capability.INCIDENT_PUBLISH, incident),
        review=reviews.find(incident),
        may_review=can(user, Capability.INCIDENT_REVIEW, incident),
        action_error=action_error,
        conflict=conflict,
    ), status


@blp.get("/<public_id>")
@page_login_required()
def detail(public_id: str):
    """An incident with its responses, the moves the person may make, and its timeline."""
    return _detail(_get(public_id, web_user()))


@blp.post("/<public_id>/responses")
@page_login_required(Capability.INCIDENT_RESPOND)
def respond(public_id: str):
    """Add a response to an incident the person can see."""
    user = web_user()
    incident = _get(public_id, user)
    form = forms.read_form(("body",))
    form.values["public"] = forms.checkbox("public")
    raw = {"body": request.form.get("body", ""), "public": form.values["public"]}
    data = forms.load(form, schemas.ResponseCreate(), raw)
    if data is None:
        return _detail(incident, response_form=form, status=422)
    with forms.attempt(form) as outcome:
        service.respond(
            public_id=incident.public_id, body=data["body"], actor=user, public=data["public"]
        )
        flash("Response added.", "success")
        anchor = url_for("incidents_web.detail", public_id=incident.public_id) + "#responses"
        return redirect(anchor)
    # The refused unit of work was rolled back: read the incident again.
    return _detail(_get(public_id, user), response_form=form, status=outcome.code)


@blp.post("/<public_id>/update")
@page_login_required()
def update(public_id: str):
    """Change status, severity or assignee (the service decides who may change what)."""
    user = web_user()
    incident = _get(public_id, user)
    raw: dict[str, Any] = {}
    for name in ("status", "severity"):
        if request.form.get(name):
            raw[name] = request.form[name]
    for name in ("assignee_id", "lead_id"):
        if name in request.form:
            raw[name] = forms.as_int(request.form[name].strip()) or None
    with forms.attempt(invalid="Choose values from the lists.") as outcome:
        changes = schemas.IncidentUpdate().load(raw)
        service.update(
            public_id=incident.public_id,
            changes=changes,
            actor=user,
            if_match=forms.if_match(Incident.etag_of, incident.public_id),
        )
        flash("Incident updated.", "success")
        return redirect(url_for("incidents_web.detail", public_id=incident.public_id))
    saved = _get(public_id, user)
    clash = _conflict(raw, saved) if outcome.code == 412 else None
    return _detail(saved, status=outcome.code, action_error=outcome.message, conflict=clash)


UPDATE_LABELS = {
    "status": "Status",
    "severity": "Severity",
    "assignee_id": "Assignee",
    "lead_id": "Lead",
}


def _conflict(sent: dict[str, Any], saved: Incident) -> forms.Conflict:
    """What this person sent beside what someone else saved first (api.web.forms.Conflict)."""
    values = {
        "status": saved.status.value,
        "severity": saved.severity.value,
        "assignee_id": saved.assignee_id,
        "lead_id": saved.lead_id,
    }
    people = {str(p.id): p.username for p in (saved.assignee, saved.lead) if p is not None}
    return forms.conflict(
        sent=sent,
        saved=values,
        labels={k: v for k, v in UPDATE_LABELS.items() if k in sent},
        version=saved.version,
        action=url_for("incidents_web.update", public_id=saved.public_id),
        shown={
            "status": {s.value: s.value.capitalize() for s in IncidentStatus},
            "severity": {s.value: s.value.capitalize() for s in Severity},
            "assignee_id": {"": "Nobody", **people},
            "lead_id": {"": "Nobody", **people},
        },
    )


def _acknowledge_page(public_id: str, token: str, *, status: int = 200, problem: str = ""):
    """The confirmation page of an acknowledge link, or why it cannot be used (its status)."""
    user = web_user()
    incident = None
    try:
        incident = links.check(public_id=public_id, token=token, actor=user).incident
    except (Unprocessable, Forbidden, Conflict) as error:
        problem, status = error.message, error.code
    return render_template(
        "incidents/acknowledge.html",
        incident=incident,
        public_id=public_id,
        token=token,
        problem=problem,
        spent=status == 409,
        elsewhere=status == 403,
    ), status


@blp.get("/<public_id>/acknowledge")
@page_login_required()
def acknowledge(public_id: str):
    """The page of an email's acknowledge link: who it is for and what confirming does; opening
    it changes nothing (signed out: the sign-in page first, then back here)."""
    return _acknowledge_page(public_id, request.args.get("token", ""))


@blp.post("/<public_id>/acknowledge")
@page_login_required()
def acknowledge_confirm(public_id: str):
    """Confirm an acknowledge link: the incident moves to investigating as its recipient."""
    user = web_user()
    token = request.form.get("token", "")
    with forms.attempt() as outcome:
        incident = service.acknowledge_by_link(public_id=public_id, token=token, actor=user)
        flash("Incident acknowledged: it is now investigating.", "success")
        return redirect(url_for("incidents_web.detail", public_id=incident.public_id))
    return _acknowledge_page(public_id, token, status=outcome.code, problem=outcome.message)
