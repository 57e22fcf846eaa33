"""Project pages: the list (with the create form), and a project's page with its tasks,
members and labels (HTML; the same service and schemas as /api/v1/projects, issue 14)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.errors import Forbidden
from api.permissions import Capability, can
from api.projects import queries, schemas, service
from api.projects.models import ProjectRole
from api.tasks import queries as task_queries
from api.tasks.filters import TaskFilter
from api.web import forms
from api.web.session import page_login_required, web_user

blp = Blueprint("projects_web", __name__, url_prefix="/projects")
PROJECT_FIELDS = ("key", "name", "description")


def _back(key: str):
    return redirect(url_for("projects_web.detail", key=key))


@blp.route("", methods=["GET", "POST"])
@page_login_required()
def index():
    """The projects the person is a member of (administrators: all); managers and
    administrators create one here."""
    user = web_user()
    form = forms.read_form(PROJECT_FIELDS)
    status = 200
    if request.method == "POST":
        if not can(user, Capability.PROJECT_CREATE):
            raise Forbidden("You may not create projects.")
        raw = {name: request.form.get(name, "").strip() for name in PROJECT_FIELDS}
        raw["key"] = raw["key"].upper()
        data = forms.load(form, schemas.ProjectCreate(), raw)
        if data is not None:
            with forms.attempt(form):
                project = service.create(data=data, actor=user)
                flash(f"Project {project.key} created; you lead it.", "success")
                return _back(project.key)
        status = 422
    return render_template(
        "projects/index.html",
        projects=service.list_visible(user),
        form=form,
        may_create=can(user, Capability.PROJECT_CREATE),
    ), status


def _may(key: str, capability: Capability) -> None:
    """404 when the project is not there for the person, 403 when they may not do this."""
    project = service.get_visible(key, web_user())
    if capability.value not in service.allowed_actions(project, web_user()):
        raise Forbidden(f"You may not do this ({capability.value}).")


def _page(key: str, *, status: int = 200, **forms_by_name: Any):
    user = web_user()
    project = service.get_visible(key, user)
    actions = service.allowed_actions(project, user)
    tasks = task_queries.list_tasks(
        filters=TaskFilter(project=[project.key]), actor=user, page=1, page_size=50
    )
    return render_template(
        "projects/detail.html",
        project=project,
        actions=actions,
        tasks=tasks,
        members=service.members(key=project.key, actor=user),
        labels=service.labels(key=project.key, actor=user),
        candidates=queries.candidates(key=project.key, actor=user)
        if "project.manage_members" in actions
        else [],
        roles=list(ProjectRole),
        edit_form=forms_by_name.get("edit_form")
        or forms.Form({"name": project.name, "description": project.description}),
        label_form=forms_by_name.get("label_form") or forms.Form({"color": "#6b7280"}),
    ), status


@blp.get("/<key>")
@page_login_required()
def detail(key: str):
    """A project: its tasks, members and labels; leads manage them here."""
    return _page(key)


@blp.post("/<key>/edit")
@page_login_required(Capability.PROJECT_EDIT)
def edit(key: str):
    """Rename a project or change its description (its leads)."""
    user = web_user()
    _may(key, Capability.PROJECT_EDIT)
    form = forms.read_form(("name", "description"))
    data = forms.load(form, schemas.ProjectUpdate(), dict(form.values))
    if data is not None:
        with forms.attempt(form):
            service.update(key=key, changes=data, actor=user)
            flash("Project saved.", "success")
            return _back(key)
    return _page(key, status=422, edit_form=form)


@blp.post("/<key>/archive")
@page_login_required(Capability.PROJECT_ARCHIVE)
def archive(key: str):
    """Archive (archived=1) or unarchive (archived=0) a project (its leads)."""
    archived = request.form.get("archived", "1") != "0"
    with forms.attempt(flash_refusal=True) as outcome:
        service.set_archived(key=key, archived=archived, actor=web_user())
        flash("Project archived." if archived else "Project unarchived.", "success")
        return _back(key)
    return _page(key, status=outcome.code)


def _member_form() -> dict[str, Any] | None:
    try:
        return schemas.MemberIn().load({"role": request.form.get("role", "")})
    except ValidationError:
        return None


@blp.post("/<key>/members")
@page_login_required(Capability.PROJECT_MANAGE_MEMBERS)
def add_member(key: str):
    """Add a person with a project role, or change their role (its leads)."""
    _may(key, Capability.PROJECT_MANAGE_MEMBERS)
    loaded = _member_form()
    user_id = forms.as_int(request.form.get("user_id", ""))
    if loaded is None or not isinstance(user_id, int):
        flash("Choose a person and a role.", "danger")
        return _page(key, status=422)
    with forms.attempt(flash_refusal=True) as outcome:
        service.set_member(key=key, user_id=user_id, role=loaded["role"], actor=web_user())
        flash("Members saved.", "success")
        return _back(key)
    return _page(key, status=outcome.code)


@blp.post("/<key>/members/<int:user_id>/remove")
@page_login_required(Capability.PROJECT_MANAGE_MEMBERS)
def remove_member(key: str, user_id: int):
    """Remove a person from the project and from its tasks' assignees (its leads)."""
    with forms.attempt(flash_refusal=True) as outcome:
        service.remove_member(key=key, user_id=user_id, actor=web_user())
        flash("Member removed.", "success")
        return _back(key)
    return _page(key, status=outcome.code)


@blp.post("/<key>/labels")
@page_login_required(Capability.PROJECT_MANAGE_LABELS)
def add_label(key: str):
    """Add a label (its leads)."""
    _may(key, Capability.PROJECT_MANAGE_LABELS)
    form = forms.read_form(("name", "color"))
    data = forms.load(form, schemas.LabelCreate(), dict(form.values), drop_blank=("color",))
    if data is not None:
        with forms.attempt(form):
            service.create_label(key=key, data=data, actor=web_user())
            flash("Label added.", "success")
            return _back(key)
    return _page(key, status=422, label_form=form)


@blp.post("/<key>/labels/<int:label_id>/delete")
@page_login_required(Capability.PROJECT_MANAGE_LABELS)
def delete_label(key: str, label_id: int):
    """Delete a label; tasks lose it (its leads)."""
    with forms.attempt(flash_refusal=True) as outcome:
        service.delete_label(key=key, label_id=label_id, actor=web_user())
        flash("Label deleted.", "success")
        return _back(key)
    return _page(key, status=outcome.code)
