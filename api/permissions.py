"""Who the caller is, and the role rules of shared/design.md §2 in one place."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask_jwt_extended import get_current_user, verify_jwt_in_request

from api.errors import Forbidden
from api.users.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])

STAFF = (Role.ADMIN, Role.MANAGER)
ADMIN_ONLY = (Role.ADMIN,)


def current() -> User:
    """The signed-in user of this request (after `verify_jwt_in_request`).

    The User itself, not flask-jwt-extended's `current_user` proxy: every attribute read through
    the proxy costs a context lookup, and marshmallow probes a proxy for item access first (it
    has `__getitem__`), paying a raised TypeError per field. Raises RuntimeError outside a
    request whose token was verified.
    """
    return get_current_user()


def login_required(*roles: Role) -> Callable[[F], F]:
    """Require a valid access token, and one of `roles` when given.

    Missing or invalid tokens answer 401 (RFC 6750 §3.1); a role outside `roles` answers 403.
    """

    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            verify_jwt_in_request()
            if roles and current().role not in roles:
                raise Forbidden("Your role may not use this resource.")
            return fn(*args, **kwargs)

        wrapper._roles = roles  # type: ignore[attr-defined]  # read by the OpenAPI doc helper
        return wrapper  # type: ignore[return-value]

    return decorator
