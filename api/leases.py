"""Leased claims on outbox tables: the one mechanism by which every outbox hands out its rows.

An outbox is a table of things to deliver once (emails today; webhook deliveries use the same
rules), each row with the columns `id`, `status`, `attempts`, `next_attempt_at`, `locked_until`,
`claim_token` and `updated_at`. A worker delivers a row in three steps, each its own committed
transaction, so that no lock is held while the provider is called:

1. `claim()`: rows that are due (`status` claimable and `next_attempt_at <= now`, the job's
   business time) or whose lease ran out (`status = sending`, `locked_until` before the lease
   clock) become `sending`, with `locked_until = lease clock + lease_seconds` and a fresh random
   `claim_token`. MySQL / MariaDB picks them with `SELECT … FOR UPDATE SKIP LOCKED`; SQLite, which
   has no row locks, with one UPDATE whose WHERE re-checks claimability. No attempt is counted: a
   claim that dies before it sends anything costs the row nothing but the wait for its lease.
2. `confirm()`, right before each delivery: a compare-and-set on `(id, claim_token)` that renews
   the lease and counts the attempt. It fails when another worker took the row over (a lease that
   ran out, then a new claim with a new token): the worker must then not deliver the row.
3. `settle()`: the outcome (sent, failed, dead, deferred) is written only where the token still
   matches, and the token and lease are cleared. A worker counts only the rows it settled.

The lease clock is the database's current UTC time (`UTC_TIMESTAMP(6)` on MySQL / MariaDB,
`strftime('%Y-%m-%d %H:%M:%f', 'now')` on SQLite), computed inside the very statement that writes
or compares `locked_until`: every worker on every host reads the same clock, and a job's `now`
(the scheduled time, possibly minutes old) never shortens a lease. `clock.shift_seconds` moves
that clock for every worker at once (tests use it to let leases run out without waiting).

What this promises. A row is delivered at least once. It is delivered a second time only when
the worker that confirmed it could not settle it: it crashed (or lost its database) after the
provider accepted, or the provider's answer was lost (the attempt counts as failed and is retried).
Each such event costs at most one extra copy, provided every run settles a row within
`lease_seconds` of confirming it (the lease rule beside OUTBOX_LEASE_SECONDS in api/config.py).
A worker whose row was taken over (its lease ran out and another worker claimed the row) does
not deliver it; a lease that ran out with nobody taking over is still the worker's.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from api.db import UTCDateTime

log = logging.getLogger(__name__)

# MySQL / MariaDB errors after which InnoDB has rolled the transaction back and asks for it to be
# restarted: lock wait timeout, deadlock. Claims of overlapping workers lock rows of the same
# indexes in different orders, so a deadlock now and then is expected (MySQL 8.4 Reference
# Manual, 17.7.5 "Deadlocks in InnoDB": "be prepared to reissue a transaction").
LOCK_CONFLICTS = (1205, 1213)
RETRIES = 5
_jitter = random.Random()  # noqa: S311 - retry jitter, not security
T = TypeVar("T")


def _restarting(session: Session, work: Callable[[], T]) -> T:
    """Run `work` (one whole transaction, committed inside); on a deadlock or lock wait timeout
    roll back and run it again, up to RETRIES times, after a short random pause."""
    for attempt in range(RETRIES):
        try:
            return work()
        except OperationalError as exc:
            session.rollback()
            code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
            if code not in LOCK_CONFLICTS or attempt == RETRIES - 1:
                raise
            log.info("outbox claim statement hit a lock conflict (%s); restarting it", code)
            time.sleep(_jitter.uniform(0, 0.05 * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


class LeaseNow(FunctionElement[datetime]):
    """SQL for the database's current UTC time plus a number of seconds (a bound parameter)."""

    name = "lease_now"
    type = UTCDateTime()
    inherit_cache = True


@compiles(LeaseNow, "mysql")
@compiles(LeaseNow, "mariadb")
def _lease_now_mysql(element: LeaseNow, compiler: Any, **kw: Any) -> str:
    seconds = compiler.process(element.clauses, **kw)
    return f"TIMESTAMPADD(MICROSECOND, ROUND(({seconds}) * 1000000), UTC_TIMESTAMP(6))"


@compiles(LeaseNow, "sqlite")
def _lease_now_sqlite(element: LeaseNow, compiler: Any, **kw: Any) -> str:
    seconds = compiler.process(element.clauses, **kw)
    # Milliseconds padded to the six digits SQLAlchemy writes, so stored times compare as text.
    return f"(strftime('%Y-%m-%d %H:%M:%f', 'now', ({seconds}) || ' seconds') || '000')"


@compiles(LeaseNow)
def _lease_now_default(element: LeaseNow, compiler: Any, **kw: Any) -> str:  # pragma: no cover
    seconds = compiler.process(element.clauses, **kw)
    return f"(CURRENT_TIMESTAMP + ({seconds}) * INTERVAL '1 second')"


class LeaseClock:
    """The one clock of every lease: the database's current UTC time, plus `shift_seconds`.

    `shift_seconds` (0 in production) moves the clock for every worker of the process at once.
    """

    shift_seconds: float = 0.0

    def at(self, plus_seconds: float = 0.0) -> LeaseNow:
        """SQL for the lease clock's time `plus_seconds` from now."""
        return LeaseNow(sa.literal(float(self.shift_seconds + plus_seconds), sa.Float()))

    def read(self, session: Session) -> datetime:
        """The lease clock's current time (aware UTC), read from the database."""
        return session.scalar(sa.select(self.at()))


clock = LeaseClock()


@dataclass(frozen=True)
class Outbox:
    """An outbox table and the status values the claim rules need.

    `claimable`: statuses a due row may be claimed from (pending, failed); `sending`: the status
    of a claimed row. The table must have the columns named in this module's docstring.
    """

    table: sa.Table
    claimable: tuple[str, ...]
    sending: str

    def claimable_where(self, now: datetime) -> Any:
        """Rows due at `now` (business time) or whose lease ran out (lease clock)."""
        c = self.table.c
        return sa.or_(
            sa.and_(c.status.in_(self.claimable), c.next_attempt_at <= now),
            sa.and_(c.status == self.sending, c.locked_until < clock.at()),
        )


def claim(
    session: Session,
    outbox: Outbox,
    *,
    now: datetime,
    lease_seconds: float,
    where: Iterable[Any] = (),
    limit: int | None = None,
) -> str | None:
    """Claim the claimable rows matching `where` (the `limit` most overdue) and commit.

    `now` (aware UTC) is the job's business time: rows with `next_attempt_at <= now` are due.
    The lease is taken on the lease clock, `lease_seconds` long. Rows held by another worker are
    skipped, never waited for. Returns the claim token the claimed rows carry, or None when
    nothing was claimable. Attempts are not counted here (see `confirm`). A deadlock or lock
    wait timeout restarts the claim (LOCK_CONFLICTS); the caller must have no open work in
    `session`, as for `confirm` and `settle`, which restart the same way.
    """
    table = outbox.table
    where = list(where)
    is_sqlite = session.get_bind().dialect.name == "sqlite"

    def attempt() -> str | None:
        token = secrets.token_hex(16)
        select = (
            sa.select(table.c.id)
            .where(outbox.claimable_where(now), *where)
            .order_by(table.c.next_attempt_at, table.c.id)
        )
        if limit:
            select = select.limit(limit)
        if not is_sqlite:
            select = select.with_for_update(skip_locked=True)
        ids = list(session.scalars(select))
        if not ids:
            session.commit()
            return None
        update = (
            sa.update(table)
            .where(table.c.id.in_(ids))
            .values(
                status=outbox.sending,
                locked_until=clock.at(lease_seconds),
                claim_token=token,
                updated_at=now,
            )
        )
        if is_sqlite:  # no row locks: the WHERE re-checks, and the token says who won
            update = update.where(outbox.claimable_where(now))
        claimed = session.execute(update).rowcount
        session.commit()
        return token if claimed else None

    return _restarting(session, attempt)


def confirm(
    session: Session,
    outbox: Outbox,
    *,
    row_id: int,
    token: str,
    lease_seconds: float,
    now: datetime,
) -> bool:
    """Right before delivering: check that `token` still holds the row, renew its lease, count
    the attempt, and commit (compare-and-set). False: the row was taken over; do not deliver it.
    """
    c = outbox.table.c
    stmt = (
        sa.update(outbox.table)
        .where(c.id == row_id, c.claim_token == token, c.status == outbox.sending)
        .values(
            locked_until=clock.at(lease_seconds),
            attempts=c.attempts + 1,
            updated_at=now,
        )
    )

    def attempt() -> bool:
        held = session.execute(stmt).rowcount == 1
        session.commit()
        return held

    return _restarting(session, attempt)


def settle(
    session: Session,
    outbox: Outbox,
    *,
    row_id: int,
    token: str,
    values: Mapping[str, Any],
) -> bool:
    """Write a delivery's outcome (`values`: column -> value) where `token` still holds the row,
    clear the token and the lease, and commit. Returns whether this worker's outcome was written.
    """
    c = outbox.table.c
    stmt = (
        sa.update(outbox.table)
        .where(c.id == row_id, c.claim_token == token)
        .values(**values, locked_until=None, claim_token=None)
    )

    def attempt() -> bool:
        written = session.execute(stmt).rowcount == 1
        session.commit()
        return written

    return _restarting(session, attempt)


def confirm_many(
    session: Session,
    outbox: Outbox,
    *,
    row_ids: list[int],
    token: str,
    lease_seconds: float,
    now: datetime,
) -> set[int]:
    """`confirm` for several rows at once: one compare-and-set UPDATE (and one SELECT when some
    row was taken over), one commit. Returns the ids still held: deliver only those.

    The rows are then delivered one after the other under this one lease, so the caller must
    settle them (`settle_many`) within `lease_seconds` of this call.
    """
    if not row_ids:
        return set()
    c = outbox.table.c
    held_where = (c.id.in_(row_ids), c.claim_token == token, c.status == outbox.sending)
    stmt = (
        sa.update(outbox.table)
        .where(*held_where)
        .values(locked_until=clock.at(lease_seconds), attempts=c.attempts + 1, updated_at=now)
    )

    def attempt() -> set[int]:
        confirmed = session.execute(stmt).rowcount
        held = (
            set(row_ids)
            if confirmed == len(row_ids)
            else set(session.scalars(sa.select(c.id).where(*held_where)))
        )
        session.commit()
        return held

    return _restarting(session, attempt)


def settle_many(
    session: Session,
    outbox: Outbox,
    *,
    token: str,
    outcomes: Mapping[int, Mapping[str, Any]],
) -> set[int]:
    """`settle` for several rows at once: each row's outcome (`outcomes`: id -> column -> value)
    written where `token` still holds it, token and lease cleared, one commit. Returns the ids
    whose outcome this worker wrote.

    Two statements whatever the number of rows: the held rows are read and locked (FOR UPDATE
    on MySQL / MariaDB: no takeover can slip between the read and the write), then one UPDATE
    writes every outcome with a CASE on the id per column.
    """
    if not outcomes:
        return set()
    c = outbox.table.c
    ids = list(outcomes)
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    columns = sorted({name for values in outcomes.values() for name in values})

    def attempt() -> set[int]:
        select = sa.select(c.id).where(c.id.in_(ids), c.claim_token == token)
        if not is_sqlite:
            select = select.with_for_update()
        held = set(session.scalars(select))
        if held:
            values = {
                name: sa.case(
                    {
                        row_id: sa.literal(outcomes[row_id][name], c[name].type)
                        for row_id in held
                        if name in outcomes[row_id]
                    },
                    value=c.id,
                    else_=c[name],
                )
                for name in columns
            }
            written = session.execute(
                sa.update(outbox.table)
                .where(c.id.in_(held), c.claim_token == token)
                .values(**values, locked_until=None, claim_token=None)
            ).rowcount
            if written != len(held):  # pragma: no cover - SQLite: another writer slipped in
                log.warning("settled %s of %s held outbox rows", written, len(held))
        session.commit()
        return held

    return _restarting(session, attempt)
