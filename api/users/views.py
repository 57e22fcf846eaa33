"""Admin pages: registrations (approve with a role, reject) and users (role, status, delete)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.permissions import Capability
from api.users import schemas, service
from api.users.models import Role, UserStatus
from api.web.forms import attempt
from api.web.session import page_login_required, web_user

blp = Blueprint("users_web", __name__, url_prefix="/admin")

PAGE_SIZE = 25


def _page_arg() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) <= 100_000 else 1


@blp.get("/registrations")
@page_login_required(Capability.USER_ADMIN)
def registrations():
    """Registrations waiting for a decision, oldest first."""
    page = service.list_users(
        actor=web_user(),
        filters=service.UserFilter(status=UserStatus.PENDING),
        page=_page_arg(),
        page_size=PAGE_SIZE,
    )
    return render_template("users/registrations.html", page=page, roles=list(Role))


@blp.post("/registrations/<int:user_id>/approve")
@page_login_required(Capability.USER_ADMIN)
def approve(user_id: int):
    """Approve a registration with the role the admin chose."""
    with attempt(invalid="Choose a role from the list.", flash_refusal=True):
        data = schemas.ApproveIn().load({"role": request.form.get("role", "")})
        user = service.approve(user_id=user_id, role=data["role"], actor=web_user())
        flash(f"{user.username} approved as {user.role.value}.", "success")
    return redirect(url_for("users_web.registrations"))


@blp.post("/registrations/<int:user_id>/reject")
@page_login_required(Capability.USER_ADMIN)
def reject(user_id: int):
    """Reject a registration."""
    with attempt(flash_refusal=True):
        user = service.reject(user_id=user_id, actor=web_user())
        flash(f"Registration of {user.username} rejected.", "info")
    return redirect(url_for("users_web.registrations"))


@blp.get("/users")
@page_login_required(Capability.USER_ADMIN)
def users():
    """Every account, filtered by status, role or text."""
    raw = {k: v for k in ("status", "role", "q") if (v := request.args.get(k, "").strip())}
    try:
        query = schemas.UserQuery().load(raw)
    except ValidationError:
        query = {}
    page = service.list_users(
        actor=web_user(),
        filters=service.UserFilter(
            status=query.get("status"), role=query.get("role"), q=query.get("q")
        ),
        page=_page_arg(),
        page_size=PAGE_SIZE,
    )
    return render_template(
        "users/users.html",
        page=page,
        query=query,
        roles=list(Role),
        statuses=list(UserStatus),
        settable=service.ADMIN_SETTABLE_STATUSES,
    )


@blp.post("/users/<int:user_id>")
@page_login_required(Capability.USER_ADMIN)
def update(user_id: int):
    """Change a user's role or status; their sessions end."""
    raw = {k: v for k in ("role", "status") if (v := request.form.get(k, "").strip())}
    with attempt(invalid="Choose a role and a status from the lists.", flash_refusal=True):
        changes = schemas.UserUpdate().load(raw)
        user = service.update(user_id=user_id, changes=changes, actor=web_user())
        flash(f"{user.username} is now {user.role.value}, {user.status.value}.", "success")
    return redirect(url_for("users_web.users"))


@blp.post("/users/<int:user_id>/delete")
@page_login_required(Capability.USER_ADMIN)
def delete(user_id: int):
    """Delete an account; their tasks stay, unassigned."""
    with attempt(flash_refusal=True):
        service.delete(user_id=user_id, actor=web_user())
        flash("User deleted.", "success")
    return redirect(url_for("users_web.users"))
