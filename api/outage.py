"""A database that cannot be reached answers 503 with Retry-After, not 500.

Connection-level failures are the database's absence, not a defect of the request: the server
refused or dropped the connection, the pool had no connection to give within `pool_timeout`,
or the server went away mid-statement. They answer 503 Service Unavailable with
`Retry-After: RETRY_AFTER_SECONDS` (RFC 9110 §15.6.4, §10.2.3), in the API's envelope or on the
UI's error page, and are logged by the `api.outage` logger as one line without a traceback, so
that outages are counted apart from defects ("database unavailable" in the logs). Any other
database error stays a 500.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.errors import error_response
from api.extensions import db

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGE = "The service is briefly unavailable. Please try again in a few seconds."

# MySQL / MariaDB client and server errors that mean "no usable connection".
CONNECTION_ERRORS = frozenset(
    {
        1040,  # too many connections
        1042,  # can't get hostname
        1043,  # bad handshake
        1053,  # server shutdown in progress
        1927,  # connection killed (MariaDB)
        2002,  # can't connect through socket
        2003,  # can't connect to server
        2005,  # unknown server host
        2006,  # server has gone away
        2013,  # lost connection during query
        2055,  # lost connection at a stage
        4031,  # disconnected by the server (idle timeout)
    }
)
SQLITE_UNREACHABLE = ("unable to open database file",)


def is_unavailable(error: BaseException) -> bool:
    """True when `error` says the database cannot be reached (see CONNECTION_ERRORS)."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    args = getattr(error.orig, "args", ()) or ()
    if isinstance(error, InterfaceError) and type(error.orig).__module__.startswith("pymysql"):
        return True  # PyMySQL raises InterfaceError on a closed connection
    if args and isinstance(args[0], int):
        return args[0] in CONNECTION_ERRORS
    return any(text in str(error.orig) for text in SQLITE_UNREACHABLE)


def _handle(error: Exception) -> Response:
    request_id = g.get("request_id", "-")
    try:
        # close(), not rollback(): the loaded objects keep their values for the error page.
        db.session.close()
    except Exception:  # the connection is gone; the pool discards it
        log.debug("closing the session after a database outage failed", exc_info=True)
    if not is_unavailable(error):
        # Not an outage: what api.errors does with any unexpected exception.
        log.exception("unhandled error (request id %s)", request_id)
        return error_response(500, f"An unexpected error occurred (request id {request_id}).")
    log.error(
        "database unavailable (request id %s): %s: %s",
        request_id,
        type(error).__name__,
        getattr(error, "orig", error),
    )
    g.retry_after = str(RETRY_AFTER_SECONDS)  # flask-limiter's own Retry-After must not win
    return error_response(503, MESSAGE, headers={"Retry-After": g.retry_after})


def register(app: Flask) -> None:
    """Map connection-level database errors to 503 (after api.errors' handlers)."""
    for exception in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(exception, _handle)
