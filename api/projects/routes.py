"""Project endpoints under /api/v1/projects (issue 14)."""

from __future__ import annotations

from flask_smorest import Blueprint

from api.guards import current, login_required
from api.permissions import Capability
from api.projects import schemas, service

blp = Blueprint(
    "projects", __name__, url_prefix="/api/v1/projects", description="Projects and members"
)
KEY = "<key>"


@blp.get("")
@login_required()
@blp.response(200, schemas.ProjectRead(many=True))
def list_projects():
    """The projects you are a member of (administrators: every project), by key."""
    return service.list_visible(current())


@blp.post("")
@login_required(Capability.PROJECT_CREATE)
@blp.arguments(schemas.ProjectCreate())
@blp.response(201, schemas.ProjectRead)
def create_project(data: dict):
    """Create a project (managers and administrators); you become its lead."""
    project = service.create(data=data, actor=current())
    return project, 201, {"Location": f"/api/v1/projects/{project.key}"}


@blp.get(f"/{KEY}")
@login_required()
@blp.response(200, schemas.ProjectRead)
def get_project(key: str):
    """Read a project you are a member of (404 otherwise)."""
    return service.get_visible(key, current())


@blp.patch(f"/{KEY}")
@login_required(Capability.PROJECT_EDIT)
@blp.arguments(schemas.ProjectUpdate())
@blp.response(200, schemas.ProjectRead)
def update_project(data: dict, key: str):
    """Edit a project's name or description (its leads); the key is immutable."""
    return service.update(key=key, changes=data, actor=current())


@blp.post(f"/{KEY}/archive")
@login_required(Capability.PROJECT_ARCHIVE)
@blp.response(200, schemas.ProjectRead)
def archive_project(key: str):
    """Archive a project: it takes no new tasks (its leads)."""
    return service.set_archived(key=key, archived=True, actor=current())


@blp.post(f"/{KEY}/unarchive")
@login_required(Capability.PROJECT_ARCHIVE)
@blp.response(200, schemas.ProjectRead)
def unarchive_project(key: str):
    """Unarchive a project (its leads)."""
    return service.set_archived(key=key, archived=False, actor=current())


@blp.get(f"/{KEY}/members")
@login_required()
@blp.response(200, schemas.MemberRead(many=True))
def list_members(key: str):
    """A project's members and their project roles (lead, member, viewer)."""
    return service.members(key=key, actor=current())


@blp.put(f"/{KEY}/members/<int:user_id>")
@login_required(Capability.PROJECT_MANAGE_MEMBERS)
@blp.arguments(schemas.MemberIn())
@blp.response(200, schemas.MemberRead)
def set_member(data: dict, key: str, user_id: int):
    """Add an active person to the project or change their role (its leads)."""
    return service.set_member(key=key, user_id=user_id, role=data["role"], actor=current())


@blp.delete(f"/{KEY}/members/<int:user_id>")
@login_required(Capability.PROJECT_MANAGE_MEMBERS)
@blp.response(204)
def remove_member(key: str, user_id: int):
    """Remove a person from the project, and from its tasks' assignees (its leads)."""
    service.remove_member(key=key, user_id=user_id, actor=current())


@blp.get(f"/{KEY}/labels")
@login_required()
@blp.response(200, schemas.LabelRead(many=True))
def list_labels(key: str):
    """A project's labels, by name."""
    return service.labels(key=key, actor=current())


@blp.post(f"/{KEY}/labels")
@login_required(Capability.PROJECT_MANAGE_LABELS)
@blp.arguments(schemas.LabelCreate())
@blp.response(201, schemas.LabelRead)
def create_label(data: dict, key: str):
    """Add a label (name unique in the project, colour #rrggbb) (its leads)."""
    return service.create_label(key=key, data=data, actor=current())


@blp.patch(f"/{KEY}/labels/<int:label_id>")
@login_required(Capability.PROJECT_MANAGE_LABELS)
@blp.arguments(schemas.LabelUpdate())
@blp.response(200, schemas.LabelRead)
def update_label(data: dict, key: str, label_id: int):
    """Rename or recolour a label (its leads)."""
    return service.update_label(key=key, label_id=label_id, changes=data, actor=current())


@blp.delete(f"/{KEY}/labels/<int:label_id>")
@login_required(Capability.PROJECT_MANAGE_LABELS)
@blp.response(204)
def delete_label(key: str, label_id: int):
    """Delete a label; tasks lose it (its leads)."""
    service.delete_label(key=key, label_id=label_id, actor=current())
