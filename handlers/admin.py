"""Lambda entry point for the first admin on AWS, where the database is private to the VPC.

`create_admin` is what `flask users create-admin` does on a laptop, for an operator allowed to
invoke the function (lambda:InvokeFunction on taskdesk-<stage>-admin):

    npx osls invoke --stage prod -f admin --data '{"email": "...", "username": "...",
      "password": "..."}'

The password is never logged or returned. Invoke it once, then change that password in the UI.
"""

from __future__ import annotations

import logging
from typing import Any

from handlers.jobs import get_app

log = logging.getLogger("handlers.admin")


def create_admin(event: Any, context: Any) -> dict[str, Any]:
    """Create an active admin from {"email", "username", "password"}; returns its id.

    Returns {"error": ..., "errors": ...} for a duplicate account or a weak password (so the
    operator sees why); raises ValueError for a missing field.
    """
    from api.errors import DomainError
    from api.extensions import db
    from api.users import service

    fields = {key: (event or {}).get(key) for key in ("email", "username", "password")}
    missing = sorted(key for key, value in fields.items() if not value)
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    with get_app().app_context():
        try:
            user = service.create_admin(**fields)
            admin = {"id": user.id, "username": user.username, "email": user.email}
        except DomainError as error:
            db.session.rollback()
            return {"error": error.message, "errors": error.errors}
        finally:
            db.session.remove()
    log.info("admin %s created (id %s)", admin["username"], admin["id"])
    return {"admin": admin}
