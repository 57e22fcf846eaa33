"""Incident follow-up and review pages: add a follow-up task, read and write the post-incident
review, download it as Markdown (HTML; the same services as the JSON routes)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from api.errors import NotFound, Unprocessable
from api.incidents import followups, queries, reviews, schemas
from api.incidents.models import REVIEW_FIELDS, REVIEW_LABELS, Incident, IncidentReview
from api.permissions import Capability, can
from api.projects import queries as project_queries
from api.tasks.models import Priority
from api.tasks.schemas import TaskCreate
from api.users.models import User
from api.web import forms
from api.web.session import page_login_required, web_user
from api.web.timeline import describe

blp = Blueprint("incident_review_web", __name__, url_prefix="/incidents")

FOLLOW_UP_FIELDS = ("title", "project", "priority", "description")


def _get(public_id: str, user: User) -> Incident:
    """The incident, or NotFound: a malformed id in a page URL is a page that is not there."""
    try:
        return queries.get_visible(public_id, user)
    except Unprocessable as error:
        raise NotFound("Incident not found.") from error


def review_markdown(incident: Incident, review: IncidentReview | None, actor: User) -> Response:
    """The review of `incident` with its facts, the follow-ups `actor` sees and the timeline, as
    a Markdown download (text/markdown; charset utf-8)."""
    text = render_template(
        "incidents/review.md",
        incident=incident,
        review=review,
        sections=REVIEW_LABELS,
        follow_ups=followups.list_for(incident, actor),
        timeline=describe(queries.timeline(public_id=incident.public_id, actor=actor)),
    )
    filename = f"incident-review-{incident.public_id}.md"
    return Response(
        text,
        mimetype="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blp.route("/<public_id>/follow-ups/new", methods=["GET", "POST"])
@page_login_required(Capability.INCIDENT_FOLLOW_UP)
def new_follow_up(public_id: str):
    """Create a follow-up task of the incident in a project where the person creates tasks."""
    user = web_user()
    incident = _get(public_id, user)
    form = forms.read_form(FOLLOW_UP_FIELDS)
    status = 200
    if request.method == "POST":
        raw = {name: request.form.get(name, "") for name in FOLLOW_UP_FIELDS}
        data = forms.load(form, TaskCreate(), raw, drop_blank=("project", "priority"))
        if data is not None:
            with forms.attempt(form) as outcome:
                task = followups.create(public_id=incident.public_id, data=data, actor=user)
                flash(f"Follow-up task {task.ref} created.", "success")
                anchor = url_for("incidents_web.detail", public_id=incident.public_id)
                return redirect(anchor + "#follow-ups")
            status = outcome.code or 422
        else:
            status = 422
    else:
        form.values.update(priority=Priority.NORMAL.value)
    return render_template(
        "incidents/follow_up.html",
        incident=incident,
        form=form,
        projects=project_queries.creatable(user),
        priorities=list(Priority),
        allowed=can(user, Capability.INCIDENT_FOLLOW_UP, incident),
    ), status


def _review_page(incident: Incident, form: forms.Form | None = None, status: int = 200):
    user = web_user()
    review = reviews.find(incident)
    if form is None:
        form = forms.Form({name: getattr(review, name) if review else "" for name in REVIEW_FIELDS})
        form.values["done"] = bool(review and review.done)
    return render_template(
        "incidents/review.html",
        incident=incident,
        review=review,
        form=form,
        sections=REVIEW_LABELS,
        editable=reviews.may_edit(incident, user),
        may_review=can(user, Capability.INCIDENT_REVIEW, incident),
        follow_ups=followups.list_for(incident, user),
    ), status


@blp.get("/<public_id>/review")
@page_login_required()
def review(public_id: str):
    """The post-incident review: a form for those who may write it, else the text."""
    return _review_page(_get(public_id, web_user()))


@blp.post("/<public_id>/review")
@page_login_required(Capability.INCIDENT_REVIEW)
def save_review(public_id: str):
    """Save the review's sections and its done state."""
    user = web_user()
    incident = _get(public_id, user)
    form = forms.read_form(REVIEW_FIELDS)
    raw: dict[str, Any] = {name: request.form.get(name, "") for name in REVIEW_FIELDS}
    raw["done"] = forms.checkbox("done")
    form.values["done"] = raw["done"]
    data = forms.load(form, schemas.ReviewUpdate(), raw)
    if data is None:
        return _review_page(incident, form, 422)
    with forms.attempt(form) as outcome:
        reviews.save(
            public_id=incident.public_id,
            changes=data,
            actor=user,
            if_match=forms.if_match(reviews.etag_of, incident.id),
        )
        flash("Review saved." if not data["done"] else "Review saved and marked done.", "success")
        return redirect(url_for("incident_review_web.review", public_id=incident.public_id))
    return _review_page(_get(public_id, user), form, outcome.code or 422)


@blp.get("/<public_id>/review.md")
@page_login_required()
def review_export(public_id: str):
    """The review as a Markdown file."""
    user = web_user()
    incident = _get(public_id, user)
    return review_markdown(incident, reviews.find(incident), user)
