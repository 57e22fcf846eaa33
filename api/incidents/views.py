"""Incident pages: list (mine / public / all), report, detail with responses, status changes and
timeline (HTML; the same service and schemas as /api/v1/incidents)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.errors import NotFound, Unprocessable
from api.incidents import queries, schemas, service
from api.incidents.filters import IncidentFilter
from api.incidents.models import Incident, IncidentStatus, Severity, Visibility
from api.permissions import Capability, can
from api.users.models import User
from api.web import forms
from api.web.session import page_login_required, web_user
from api.web.timeline import describe

blp = Blueprint("incidents_web", __name__, url_prefix="/incidents")

REPORT_FIELDS = ("title", "description", "severity", "visibility")
PAGE_SIZE = 20


def _scopes(user: User) -> list[tuple[str, str]]:
    scopes = [("mine", "Mine"), ("public", "Others'")]
    if can(user, Capability.INCIDENT_READ):  # sees every incident
        scopes.append(("all", "All"))
    return scopes


def _query(user: User) -> tuple[dict[str, Any], dict[str, Any]]:
    raw: dict[str, Any] = {"scope": request.args.get("scope") or "mine", "page_size": PAGE_SIZE}
    for key in ("status", "severity"):
        values = [v for v in request.args.getlist(key) if v]
        if values:
            raw[key] = values
    for key in ("q", "page", "sort", "cursor"):
        value = request.args.get(key, "").strip()
        if value:
            raw[key] = value
    try:
        return schemas.IncidentQuery().load(raw), {}
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {}
        for key in errors:
            raw.pop(key, None)
        raw.setdefault("scope", "mine")
        return schemas.IncidentQuery().load(raw), errors


@blp.get("")
@page_login_required()
def index():
    """Incidents by scope: mine (reported by or assigned to me), others' I may see, or all."""
    user = web_user()
    query, errors = _query(user)
    try:
        page = queries.list_incidents(
            filters=IncidentFilter.from_query(query),
            actor=user,
            page=query["page"],
            page_size=query["page_size"],
            cursor=query.get("cursor"),
        )
    except Unprocessable as exc:  # a stale or foreign cursor, a page past the cap: first page
        if exc.errors is None or set(exc.errors.get("query", {})) - {"cursor", "page"}:
            raise
        errors = {**errors, **exc.errors["query"]}
        page = queries.list_incidents(
            filters=IncidentFilter.from_query(query), actor=user, page_size=query["page_size"]
        )
    return render_template(
        "incidents/index.html",
        page=page,
        query=query,
        query_errors=errors,
        scopes=_scopes(user),
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
                flash("Incident reported. Managers have been told.", "success")
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
        response_form=response_form or forms.Form(),
        action_error=action_error,
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
    data = forms.load(form, schemas.ResponseCreate(), {"body": request.form.get("body", "")})
    if data is None:
        return _detail(incident, response_form=form, status=422)
    with forms.attempt(form) as outcome:
        service.respond(public_id=incident.public_id, body=data["body"], actor=user)
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
    if "assignee_id" in request.form:
        raw["assignee_id"] = forms.as_int(request.form["assignee_id"].strip()) or None
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
    return _detail(_get(public_id, user), status=outcome.code, action_error=outcome.message)
