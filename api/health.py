"""Liveness and database check."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_smorest import Blueprint

from api.extensions import db

log = logging.getLogger(__name__)
blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Health")


@blp.get("")
@blp.doc(security=[])
@blp.response(200)
def health():
    """200 with {"status": "ok"} when the database answers; 503 otherwise."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # any database failure means not ready
        log.exception("health check: database unreachable")
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
