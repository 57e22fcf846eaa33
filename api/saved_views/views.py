"""Saved view forms (HTML): save the task list's current filters and sort, delete a view. The
views are listed in the navbar's project menu (base.html, `my_views`) and open the task list."""

from __future__ import annotations

from urllib.parse import parse_qs

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from api.permissions import Capability
from api.projects.service import list_visible
from api.saved_views import service
from api.saved_views.schemas import FILTER_KEYS, ViewCreate
from api.tasks.filters import MULTI_VALUE
from api.web import forms
from api.web.session import page_login_required, web_user

blp = Blueprint("views_web", __name__, url_prefix="/views")


def _filters(args: MultiDict) -> dict[str, object]:
    """The view's filters from the task list's query string (as the list page reads it)."""
    found: dict[str, object] = {}
    for key in FILTER_KEYS:
        if key in MULTI_VALUE:
            values = [v.strip() for x in args.getlist(key) for v in x.split(",") if v.strip()]
            if values:
                found[key] = values
        elif args.get(key, "").strip():
            found[key] = args.get(key, "").strip()
    return found


def _back(query: str) -> str:
    return url_for("tasks_web.index") + (f"?{query}" if query else "")


@blp.post("")
@page_login_required(Capability.SAVED_VIEW_CREATE)
def create():
    """Save the task list's filters (the `query` field: its query string) under `name`,
    private or shared with `project`; then show the list with the view. Bad input: the form
    again (422) with the errors beside their fields."""
    query = request.form.get("query", "")[:2000]
    args = MultiDict(parse_qs(query, keep_blank_values=False))
    raw = {
        "name": request.form.get("name", ""),
        "filters": _filters(args),
        "sort": args.get("sort") or None,
        "project": request.form.get("project", "").strip().upper() or None,
    }
    user = web_user()
    form = forms.Form({"name": raw["name"], "project": raw["project"] or "", "query": query})
    data = forms.load(form, ViewCreate(), raw)
    if data is not None:
        with forms.attempt(form):
            view = service.create(data=data, actor=user)
            flash(f"View “{view.name}” saved.", "success")
            return redirect(view.url)
    return render_template(
        "saved_views/invalid.html",
        form=form,
        projects=list_visible(user, include_archived=False),
        back=_back(query),
    ), 422


@blp.post("/<int:view_id>/delete")
@page_login_required(Capability.SAVED_VIEW_DELETE)
def delete(view_id: int):
    """Delete one of one's views; back to the task list."""
    with forms.attempt(flash_refusal=True):
        service.delete(view_id=view_id, actor=web_user())
        flash("View deleted.", "success")
    return redirect(url_for("tasks_web.index"))
