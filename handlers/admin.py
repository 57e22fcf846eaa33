"""Lambda entry point for the first admin on AWS, where the database is private to the VPC.

The operator (allowed lambda:InvokeFunction on taskdesk-<stage>-admin) gives only the address and
the user name; no password ever goes into a command line, an event, a log or a shell history:

    npx osls invoke --stage prod -f admin --data '{"email": "...", "username": "..."}'

The function creates the active admin with a random password nobody knows (`secrets`, 256 bits)
and queues a password-reset email to that address (the usual single-use link, valid
PASSWORD_RESET_TTL seconds); the admin chooses a password there. An event that carries a
password is refused, so none can be passed by habit.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from handlers.jobs import get_app

log = logging.getLogger("handlers.admin")


def create_admin(event: Any, context: Any) -> dict[str, Any]:
    """Create an active admin from {"email", "username"} and email a reset link; returns its id.

    Returns {"error": ..., "errors": ...} for a duplicate account or a password in the event (so
    the operator sees why); raises ValueError for a missing field.
    """
    from api.auth import service as auth
    from api.errors import DomainError
    from api.extensions import db
    from api.users import service

    event = event if isinstance(event, dict) else {}
    if "password" in event:
        return {
            "error": "Do not send a password: the admin sets one from the emailed reset link.",
            "errors": {"password": ["Remove this field."]},
        }
    fields = {key: event.get(key) for key in ("email", "username")}
    missing = sorted(key for key, value in fields.items() if not value)
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    with get_app().app_context():
        try:
            user = service.create_admin(**fields, password=secrets.token_urlsafe(32))
            db.session.commit()
            auth.request_password_reset(email=user.email)
            db.session.commit()
            admin = {"id": user.id, "username": user.username, "email": user.email}
        except DomainError as error:
            db.session.rollback()
            return {"error": error.message, "errors": error.errors}
        finally:
            db.session.remove()
    log.info("admin %s created (id %s); reset link queued", admin["username"], admin["id"])
    return {"admin": admin, "next": "The admin sets a password from the emailed reset link."}
