"""Admin pages: registrations (approve with a role, reject) and users (role, status, delete)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from api.errors import DomainError
from api.extensions import db
from api.permissions import ADMIN_ONLY
from api.users import schemas, service
from api.users.models import Role, UserStatus
from api.web.session import page_login_required, web_user

blp = Blueprint("users_web", __name__, url_prefix="/admin")

PAGE_SIZE = 25


def _page_arg() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) <= 100_000 else 1


@blp.get("/registrations")
@page_login_required(*ADMIN_ONLY)
def registrations():
    """Registrations waiting for a decision, oldest first."""
    page = service.list_users(
        actor=web_user(),
        filters=service.UserFilter(status=UserStatus.PENDING),
        page=_page_arg(),
        page_size=PAGE_SIZE,
    )
    return render_template("users/registrations.html", page=page, roles=list(Role))


def _refused(error: DomainError, endpoint: str):
    db.session.rollback()
    if error.code == 404:
        raise error
    flash(error.message, "danger")
    return redirect(url_for(endpoint))


@blp.post("/registrations/<int:user_id>/approve")
@page_login_required(*ADMIN_ONLY)
def approve(user_id: int):
    """Approve a registration with the role the admin chose."""
    try:
        data = schemas.ApproveIn().load({"role": request.form.get("role", "")})
        user = service.approve(user_id=user_id, role=data["role"], actor=web_user())
    except ValidationError:
        flash("Choose a role from the list.", "danger")
        return redirect(url_for("users_web.registrations"))
    except DomainError as error:
        return _refused(error, "users_web.registrations")
    flash(f"{user.username} approved as {user.role.value}.", "success")
    return redirect(url_for("users_web.registrations"))


@blp.post("/registrations/<int:user_id>/reject")
@page_login_required(*ADMIN_ONLY)
def reject(user_id: int):
    """Reject a registration."""
    try:
        user = service.reject(user_id=user_id, actor=web_user())
    except DomainError as error:
        return _refused(error, "users_web.registrations")
    flash(f"Registration of {user.username} rejected.", "info")
    return redirect(url_for("users_web.registrations"))


@blp.get("/users")
@page_login_required(*ADMIN_ONLY)
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
@page_login_required(*ADMIN_ONLY)
def update(user_id: int):
    """Change a user's role or status; their sessions end."""
    raw = {k: v for k in ("role", "status") if (v := request.form.get(k, "").strip())}
    try:
        changes = schemas.UserUpdate().load(raw)
        user = service.update(user_id=user_id, changes=changes, actor=web_user())
    except ValidationError:
        flash("Choose a role and a status from the lists.", "danger")
        return redirect(url_for("users_web.users"))
    except DomainError as error:
        return _refused(error, "users_web.users")
    flash(f"{user.username} is now {user.role.value}, {user.status.value}.", "success")
    return redirect(url_for("users_web.users"))


@blp.post("/users/<int:user_id>/delete")
@page_login_required(*ADMIN_ONLY)
def delete(user_id: int):
    """Delete an account; their tasks stay, unassigned."""
    try:
        service.delete(user_id=user_id, actor=web_user())
    except DomainError as error:
        return _refused(error, "users_web.users")
    flash("User deleted.", "success")
    return redirect(url_for("users_web.users"))
