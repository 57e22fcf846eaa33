"""Connection checks for a small MySQL pool: ping a connection only after idleness, roll back once.

A warm Lambda container serves each request on the one pooled connection. SQLAlchemy's defaults
spend two extra round trips per request on it, which `install` removes without giving up what
either was for:

- `pool_pre_ping` pings before *every* checkout. Here only a connection idle for
  PING_AFTER_IDLE seconds or more is pinged (a frozen container's connection, one the server
  dropped at `wait_timeout` or a proxy's idle timeout); one used a moment ago was alive then. A
  failed ping raises DisconnectionError from the checkout event, which makes the pool replace the
  connection and retry: SQLAlchemy's documented pessimistic disconnect handling.
- Reset on return rolls back every returned connection, even right after the Session's own
  ROLLBACK: closing a Session ends its transaction first, so the pool is told
  `transaction_was_reset=False` and rolls back a second time. Here the pool rolls back on return
  unless SQLAlchemy's own COMMIT or ROLLBACK followed the connection's last statement. A
  connection that ran nothing SQLAlchemy saw (raw DBAPI use) or whose COMMIT failed is rolled back
  as before, so no transaction, and no REPEATABLE READ snapshot, outlives its checkout.

The engine must be built with `pool_pre_ping=False` and `pool_reset_on_return=None`
(api.config does so for MySQL); with SQLAlchemy's defaults the two checks only run twice.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

PING_AFTER_IDLE = 10.0  # seconds a connection may sit in the pool before it is pinged again

_RETURNED_AT = "taskdesk.returned_at"  # time.time() of the last checkin (UTC epoch seconds)
_TRANSACTION_ENDED = "taskdesk.transaction_ended"  # no statement since COMMIT / ROLLBACK


def install(engine: sa.Engine) -> None:
    """Attach the idle-aware ping and the single reset on return to `engine`'s events."""
    dialect = engine.dialect

    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        record.info[_TRANSACTION_ENDED] = False
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None:  # opened for this checkout
            return
        if 0 <= time.time() - returned_at < PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                raise sa.exc.DisconnectionError(str(exc)) from exc
            raise

    sa.event.listen(engine.pool, "checkout", ping_if_idle)
    sa.event.listen(engine.pool, "checkin", _note_return)
    sa.event.listen(engine.pool, "reset", _roll_back_unless_ended)
    sa.event.listen(engine, "before_cursor_execute", _note_statement)
    sa.event.listen(engine, "commit", _note_transaction_end)
    sa.event.listen(engine, "rollback", _note_transaction_end)
    sa.event.listen(engine, "handle_error", _note_error)


def _note_return(dbapi_connection: Any, record: Any) -> None:
    if dbapi_connection is not None:
        record.info[_RETURNED_AT] = time.time()


def _roll_back_unless_ended(dbapi_connection: Any, record: Any, state: Any) -> None:
    if state.transaction_was_reset or state.terminate_only or not state.asyncio_safe:
        return
    if record is not None and record.info.get(_TRANSACTION_ENDED):
        return
    dbapi_connection.rollback()


def _note_statement(conn: sa.Connection, *_: Any) -> None:
    conn.info[_TRANSACTION_ENDED] = False


def _note_transaction_end(conn: sa.Connection) -> None:
    conn.info[_TRANSACTION_ENDED] = True


def _note_error(context: Any) -> None:
    conn = context.connection
    if conn is not None and not conn.closed and not conn.invalidated:
        conn.info[_TRANSACTION_ENDED] = False
