"""Access and refresh tokens (flask-jwt-extended) and the checks made on every request.

Tokens are HS256 JWTs (RFC 7519) with `iss`, `aud`, a string `sub` (the user id), a `jti`, and
an `iat` kept to the microsecond (a NumericDate may be fractional, RFC 7519 §2) so that it
compares exactly with `users.tokens_valid_after`. Each access token names its refresh token
(`rjti`) so that logout revokes both.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token
from flask_jwt_extended.config import config as jwt_config
from jwt import MissingRequiredClaimError

from api.auth.models import RevokedToken
from api.errors import error_response
from api.extensions import db, jwt
from api.users.models import User, UserStatus

BEARER = {"WWW-Authenticate": 'Bearer realm="taskdesk"'}
# Claims every token must carry: without `exp` a token never expires, without `jti` it cannot
# be revoked (RFC 7519 §4.1.4, §4.1.7; OWASP ASVS 5.0 9.2.1).
REQUIRED_CLAIMS = ("exp", "jti", "sub", "type")


def issue_pair(user: User) -> dict[str, Any]:
    """Return {"access_token", "refresh_token", "token_type", "expires_in" (seconds)}."""
    now = datetime.now(UTC).timestamp()
    refresh_jti = str(uuid.uuid4())
    identity = str(user.id)
    refresh = create_refresh_token(identity, additional_claims={"jti": refresh_jti, "iat": now})
    access = create_access_token(
        identity,
        additional_claims={"rjti": refresh_jti, "iat": now, "role": user.role.value},
    )
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": int(expires.total_seconds()),
    }


def revoke(jti: str, expires_at: datetime) -> None:
    """Add `jti` to the revoked tokens (in the caller's transaction).

    A second revocation of the same jti raises IntegrityError: that is how a replayed refresh
    token is detected even when two requests race.
    """
    db.session.add(RevokedToken(jti=jti, expires_at=expires_at))
    db.session.flush()


@functools.cache
def _token_check() -> sa.Select[tuple[User, str | None]]:
    """The token check's statement: the user `:user_id` and the revoked row of `:jti`, if any.

    Built once and reused: SQLAlchemy then skips building the statement and its cache key on
    every request, not only compiling it. A null `:jti` matches no row (`jti` is never null).
    """
    return (
        sa.select(User, RevokedToken.jti)
        .outerjoin(RevokedToken, RevokedToken.jti == sa.bindparam("jti"))
        .where(User.id == sa.bindparam("user_id"))
    )


def _token_is_refused(payload: dict[str, Any]) -> bool:
    """One statement: load the user and whether the jti is revoked; stash the user on `g`."""
    try:
        user_id = int(payload["sub"])
    except (KeyError, TypeError, ValueError):
        return True
    params = {"user_id": user_id, "jti": payload.get("jti")}
    row = db.session.execute(_token_check(), params).first()
    if row is None or row[1] is not None:
        return True
    user: User = row[0]
    if user.status != UserStatus.ACTIVE:
        return True
    valid_after = user.tokens_valid_after
    if valid_after is not None and float(payload.get("iat", 0)) < valid_after.timestamp():
        return True
    g.token_user = user
    return False


def token_user(payload: dict[str, Any]) -> User | None:
    """The active user whose token has these claims, or None if the token is refused.

    The same checks as every API request: the user exists and is active, the jti is not revoked,
    and the token was issued after `tokens_valid_after`. Used by the UI's cookie sessions.
    """
    return None if _token_is_refused(payload) else g.get("token_user")


def decode_key(_header: dict[str, Any], claims: dict[str, Any]) -> str:
    """The key that verifies a token, after checking it carries every REQUIRED_CLAIMS.

    flask-jwt-extended asks for the key with the token's claims before it verifies the
    signature (PyJWT has no option to require claims through it). A missing claim raises
    MissingRequiredClaimError, an InvalidTokenError: the API answers 401 "Invalid token." and
    the UI treats the cookie as no session. Claims are only read here; the signature, `exp`,
    `iss` and `aud` are verified by PyJWT right after.
    """
    for claim in REQUIRED_CLAIMS:
        if claims.get(claim) in (None, ""):
            raise MissingRequiredClaimError(claim)
    return jwt_config.decode_key


def register_jwt_callbacks(app: Flask) -> None:
    """Wire the token checks and make every JWT error use the envelope with 401."""

    jwt.decode_key_loader(decode_key)

    @jwt.token_in_blocklist_loader
    def _refused(_header: dict, payload: dict) -> bool:
        return _token_is_refused(payload)

    @jwt.user_lookup_loader
    def _user(_header: dict, _payload: dict) -> User | None:
        return g.get("token_user")

    def unauthorized(message: str):
        return error_response(401, message, headers=BEARER)

    jwt.unauthorized_loader(lambda reason: unauthorized("Missing access token."))
    jwt.invalid_token_loader(lambda reason: unauthorized("Invalid token."))
    jwt.expired_token_loader(lambda h, p: unauthorized("The token has expired."))
    jwt.revoked_token_loader(lambda h, p: unauthorized("The token has been revoked."))
    jwt.user_lookup_error_loader(lambda h, p: unauthorized("The token has been revoked."))
    jwt.needs_fresh_token_loader(lambda h, p: unauthorized("A fresh token is required."))
