"""The JSON routes' gate: who the caller is, and `login_required` reading the role table.

`login_required(capability)` answers 401 without a valid access token and 403 when the
caller's role holds `capability` on no object at all (api/permissions.py `role_may`). Whether
they hold it on this object is the service's `require` (404 for an object they may not see).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask_jwt_extended import get_current_user, verify_jwt_in_request

from api.errors import Forbidden
from api.permissions import Capability, role_may
from api.users.models import User

F = TypeVar("F", bound=Callable[..., Any])


def current() -> User:
    """The signed-in user of this request (after `verify_jwt_in_request`).

    The User itself, not flask-jwt-extended's `current_user` proxy: every attribute read through
    the proxy costs a context lookup, and marshmallow probes a proxy for item access first (it
    has `__getitem__`), paying a raised TypeError per field. Raises RuntimeError outside a
    request whose token was verified.
    """
    return get_current_user()


def login_required(capability: Capability | None = None) -> Callable[[F], F]:
    """Require a valid access token, and a role that may use `capability` when given.

    Missing or invalid tokens answer 401 (RFC 6750 §3.1); a role without `capability` 403.
    """

    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            verify_jwt_in_request()
            if capability is not None and not role_may(current().role, capability):
                raise Forbidden("Your role may not use this resource.")
            return fn(*args, **kwargs)

        wrapper.capability = capability  # type: ignore[attr-defined]  # for tests and docs
        return wrapper  # type: ignore[return-value]

    return decorator
