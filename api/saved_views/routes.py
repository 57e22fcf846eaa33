"""Saved view endpoints under /api/v1/views."""

from __future__ import annotations

from flask_smorest import Blueprint

from api.guards import current, login_required
from api.permissions import Capability
from api.saved_views import schemas, service

blp = Blueprint(
    "views", __name__, url_prefix="/api/v1/views", description="Saved views of the task list"
)


@blp.get("")
@login_required(Capability.SAVED_VIEW_CREATE)
@blp.response(200, schemas.ViewRead(many=True))
def list_views():
    """Your views, then those shared with your projects, by name."""
    return service.list_views(actor=current())


@blp.post("")
@login_required(Capability.SAVED_VIEW_CREATE)
@blp.arguments(schemas.ViewCreate())
@blp.response(201, schemas.ViewRead)
def create_view(data: dict):
    """Save task-list filters and a sort under a name; private, or shared with a project."""
    view = service.create(data=data, actor=current())
    return view, 201, {"Location": f"/api/v1/views/{view.id}"}


@blp.get("/<int:view_id>")
@login_required(Capability.SAVED_VIEW_READ)
@blp.response(200, schemas.ViewRead)
def get_view(view_id: int):
    """One view: your own, or one shared with a project of yours."""
    return service.get_visible(view_id, current())


@blp.patch("/<int:view_id>")
@login_required(Capability.SAVED_VIEW_EDIT)
@blp.arguments(schemas.ViewUpdate())
@blp.response(200, schemas.ViewRead)
def update_view(data: dict, view_id: int):
    """Rename, refilter, resort or (un)share one of your views."""
    return service.update(view_id=view_id, data=data, actor=current())


@blp.delete("/<int:view_id>")
@login_required(Capability.SAVED_VIEW_DELETE)
@blp.response(204)
def delete_view(view_id: int):
    """Delete one of your views."""
    service.delete(view_id=view_id, actor=current())
