"""Authentication schemas."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from api.auth.passwords import MAX_LENGTH
from api.input_rules import Moment, visible
from api.users.models import Role, UserStatus

USERNAME = validate.Regexp(
    r"^[A-Za-z0-9_.-]{3,32}\Z",  # \Z: "$" would also match before a final newline
    error="Choose a username of 3 to 32 letters, digits, dots, dashes or underscores.",
)


class RegisterIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    username = fields.String(required=True, validate=USERNAME)
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(max=MAX_LENGTH)
    )
    requested_role = fields.Enum(Role, by_value=True, load_default=Role.EMPLOYEE)
    timezone = fields.String(validate=validate.Length(min=1, max=64))


class LoginIn(Schema):
    """`{"login": …, "password": …}`; `email` or `username` may stand for `login` (what many
    clients send). Exactly one of the three; it loads as `login`."""

    login = fields.String(
        validate=validate.Length(min=1, max=254),
        metadata={"description": "Email address or username (or send `email` / `username`)."},
    )
    email = fields.String(
        load_only=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "Instead of `login`: the email address."},
    )
    username = fields.String(
        load_only=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "Instead of `login`: the username."},
    )
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))

    @validates_schema
    def _one_login(self, data: dict, **kwargs: object) -> None:
        given = [name for name in ("login", "email", "username") if name in data]
        if not given:
            raise ValidationError("Enter your email address or username.", "login")
        if len(given) > 1:
            raise ValidationError("Send one of login, email or username.", given[1])

    @post_load
    def _as_login(self, data: dict, **kwargs: object) -> dict:
        login = data.pop("login", None) or data.pop("email", None) or data.pop("username", None)
        return {"login": login, "password": data["password"]}


class TokenPair(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "Access token lifetime in seconds."})


class Me(Schema):
    id = fields.Integer()
    email = fields.String()
    username = fields.String()
    role = fields.Enum(Role, by_value=True)
    status = fields.Enum(UserStatus, by_value=True)
    timezone = fields.String()
    notify_daily_reminder = fields.Boolean()
    notify_reports = fields.Boolean()
    notify_sign_in = fields.Boolean()
    created_at = fields.DateTime()


class ProfileUpdate(Schema):
    timezone = fields.String(validate=validate.Length(min=1, max=64))
    notify_daily_reminder = fields.Boolean()
    notify_reports = fields.Boolean()
    notify_sign_in = fields.Boolean()


class PasswordResetRequest(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))


class PasswordResetConfirm(Schema):
    token = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))
    new_password = fields.String(
        required=True, load_only=True, validate=validate.Length(max=MAX_LENGTH)
    )


class Accepted(Schema):
    message = fields.String()


class PasswordChange(Schema):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(max=1024)
    )
    new_password = fields.String(
        required=True, load_only=True, validate=validate.Length(max=MAX_LENGTH)
    )


# api/scopes.py `Scope` (models do not import the permissions; the service checks names)
SCOPES_DOC = "tasks:read, tasks:write, incidents:read, incidents:write, admin (admins only)"


class TokenCreate(Schema):
    """A new personal access token: a name, its scopes, its expiry (at most a year away)."""

    name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=100), visible],
        metadata={"description": 'What the token is for ("nightly export").'},
    )
    scopes = fields.List(
        fields.String(validate=validate.Length(max=32)),
        required=True,
        validate=validate.Length(min=1, max=10),
        metadata={"description": f"Among {SCOPES_DOC}; a write scope implies its read."},
    )
    expires_at = Moment(
        required=True,
        metadata={"description": "ISO 8601 with an offset; after now, at most 366 days away."},
    )


class TokenRead(Schema):
    """A personal access token as listed: never its secret, only its first characters."""

    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "The secret's first 12 characters."})
    scopes = fields.List(fields.String())
    status = fields.String(metadata={"description": "active, expired or revoked"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    last_used_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "Recorded at most once a minute; null when never used."},
    )


class TokenCreated(TokenRead):
    """The token just created, with its secret: shown this once, never again."""

    token = fields.String(metadata={"description": "The secret: tdp_ and 43 characters."})
