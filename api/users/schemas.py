"""User schemas: public and admin views, the admin's inputs, list queries."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas import PageQuery, page_of
from api.users.models import Role, UserStatus


class UserPublic(Schema):
    """What managers see when choosing an assignee."""

    id = fields.Integer()
    username = fields.String()
    role = fields.Enum(Role, by_value=True)


class UserAdmin(UserPublic):
    """Every field an admin may read (never the password hash)."""

    email = fields.String()
    status = fields.Enum(UserStatus, by_value=True)
    requested_role = fields.Enum(Role, by_value=True)
    timezone = fields.String()
    created_at = fields.DateTime()
    approved_at = fields.DateTime(allow_none=True)
    approved_by_id = fields.Integer(allow_none=True)


UserAdminPage = page_of(UserAdmin, "UserAdminPage")
UserPublicPage = page_of(UserPublic, "UserPublicPage")


class UserQuery(PageQuery):
    status = fields.Enum(UserStatus, by_value=True)
    role = fields.Enum(Role, by_value=True)
    q = fields.String(validate=validate.Length(min=1, max=100))


class ApproveIn(Schema):
    """The role granted on approval, always named: approving never grants a role by default."""

    role = fields.Enum(Role, by_value=True, required=True)


class UserUpdate(Schema):
    role = fields.Enum(Role, by_value=True)
    status = fields.Enum(UserStatus, by_value=True)
