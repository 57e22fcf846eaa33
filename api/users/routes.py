"""User management under /api/v1/users."""

from __future__ import annotations

from flask import jsonify
from flask_smorest import Blueprint

from api.guards import current, login_required
from api.permissions import Capability, can
from api.schemas import PageQuery
from api.users import schemas, service
from api.users.models import UserStatus

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users (admin)")


@blp.get("")
@login_required(Capability.USER_LIST)
@blp.arguments(schemas.UserQuery(), location="query")
@blp.response(200, schemas.UserAdminPage)
def list_users(query: dict):
    """List users: admins see everyone and every field; managers see active users' names.

    A manager's items carry only `id`, `username` and `role` (UserPublic), a subset of the
    documented UserAdmin fields. (An alt_response for the same status code would replace the
    admin's schema in the OpenAPI document instead of adding to it.)
    """
    actor = current()
    page = service.list_users(
        actor=actor,
        filters=service.UserFilter(
            status=query.get("status"), role=query.get("role"), q=query.get("q")
        ),
        page=query["page"],
        page_size=query["page_size"],
    )
    if can(actor, Capability.USER_ADMIN):
        return page
    # A Response passes through @blp.response untouched; the admin schema would dump it again.
    return jsonify(schemas.UserPublicPage().dump(page))


@blp.get("/pending")
@login_required(Capability.USER_ADMIN)
@blp.arguments(PageQuery(), location="query")
@blp.response(200, schemas.UserAdminPage)
def pending(query: dict):
    """Registrations waiting for a decision."""
    return service.list_users(
        actor=current(),
        filters=service.UserFilter(status=UserStatus.PENDING),
        page=query["page"],
        page_size=query["page_size"],
    )


@blp.get("/<int:user_id>")
@login_required(Capability.USER_ADMIN)
@blp.response(200, schemas.UserAdmin)
def get_user(user_id: int):
    """Read one user."""
    return service.get(user_id, actor=current())


@blp.patch("/<int:user_id>")
@login_required(Capability.USER_ADMIN)
@blp.arguments(schemas.UserUpdate())
@blp.response(200, schemas.UserAdmin)
def update_user(data: dict, user_id: int):
    """Change a user's role or status (active | disabled); their tokens are revoked."""
    return service.update(user_id=user_id, changes=data, actor=current())


@blp.delete("/<int:user_id>")
@login_required(Capability.USER_ADMIN)
@blp.response(204)
def delete_user(user_id: int):
    """Delete a user."""
    service.delete(user_id=user_id, actor=current())


@blp.put("/<int:user_id>/approve")
@login_required(Capability.USER_ADMIN)
@blp.arguments(schemas.ApproveIn())
@blp.response(200, schemas.UserAdmin)
def approve(data: dict, user_id: int):
    """Approve a registration with the role the admin names (`requested_role` is a hint)."""
    return service.approve(user_id=user_id, role=data["role"], actor=current())


@blp.delete("/<int:user_id>/reject")
@login_required(Capability.USER_ADMIN)
@blp.response(200, schemas.UserAdmin)
def reject(user_id: int):
    """Reject a registration."""
    return service.reject(user_id=user_id, actor=current())
