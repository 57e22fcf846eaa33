"""Flask-Caching for the figures under /api/v1/stats, and their invalidation.

Store: CACHE_TYPE when set; otherwise Redis (`RedisCache` at CACHE_REDIS_URL, which defaults to
RATELIMIT_STORAGE_URI) when the rate limits count in Redis, and a per-process `SimpleCache`
when they count in memory. The same choice as the rate limits: a laptop needs nothing, and
production shares one Redis between Lambda containers.

Invalidation: the cache keys carry a *generation*, a random token kept in the cache itself. A
commit that inserted, changed or deleted a task or an incident replaces the token, so every
container's next read misses and recomputes. A reader takes the generation before it queries the
database, so a value computed from data older than a concurrent commit is stored under the old
generation and never served after it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, has_app_context
from flask_caching import Cache
from sqlalchemy.orm import Session

from api.extensions import db

log = logging.getLogger(__name__)

cache = Cache()

GENERATION_KEY = "stats:generation"
CHANGED = "taskdesk.stats_changed"  # session.info flag between flush and commit


def _watched() -> tuple[type, ...]:
    from api.incidents.models import Incident, IncidentFollowUp, IncidentReview
    from api.tasks.models import Task, TaskAssignee

    return (Task, TaskAssignee, Incident, IncidentFollowUp, IncidentReview)


def cache_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The Flask-Caching settings implied by `config` (see the module docstring)."""
    settings: dict[str, Any] = {"CACHE_KEY_PREFIX": config.get("CACHE_KEY_PREFIX", "taskdesk:")}
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "")
    kind = config.get("CACHE_TYPE") or ""
    if not kind:
        kind = "RedisCache" if storage.startswith(("redis://", "rediss://")) else "SimpleCache"
    settings["CACHE_TYPE"] = kind
    if kind == "RedisCache":
        settings["CACHE_REDIS_URL"] = config.get("CACHE_REDIS_URL") or storage
    return settings


def init_app(app: Flask) -> None:
    """Bind the cache to `app` and watch the session for task and incident changes."""
    app.config.update(cache_settings(app.config))
    cache.init_app(app)
    target = db.session
    if not sa.event.contains(target, "after_flush", _note_changes):
        sa.event.listen(target, "after_flush", _note_changes)
        sa.event.listen(target, "do_orm_execute", _note_bulk_changes)
        sa.event.listen(target, "after_commit", _bump_after_commit)
        sa.event.listen(target, "after_rollback", _forget_changes)


def _note_changes(session: Session, _flush_context: Any) -> None:
    watched = _watched()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, watched):
            session.info[CHANGED] = True
            return


def _note_bulk_changes(state: Any) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, _watched()):
        state.session.info[CHANGED] = True


def _bump_after_commit(session: Session) -> None:
    if session.info.pop(CHANGED, False) and has_app_context():
        bump_generation()


def _forget_changes(session: Session) -> None:
    session.info.pop(CHANGED, None)


def bump_generation() -> None:
    """Make every cached figure stale (all containers, when the cache is Redis)."""
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=0)
    except Exception:  # the change is committed; figures may lag up to STATS_CACHE_SECONDS
        log.warning("stats cache: could not bump the generation", exc_info=True)


def _generation() -> str:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = uuid.uuid4().hex
        cache.set(GENERATION_KEY, value, timeout=0)
    return str(value)


def cached_figures(*, name: str, variant: str, compute: Callable[[], Any], timeout: int) -> Any:
    """`compute()`'s value, cached for `timeout` seconds under (generation, name, variant).

    `variant` separates callers who may see different figures (the stats use the caller's
    role). A cache that cannot be reached is bypassed: the figures are computed, never lost.
    """
    try:
        key = f"{name}:{_generation()}:{variant}"
        value = cache.get(key)
    except Exception:
        log.warning("stats cache unreachable; computing the figures", exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout=timeout)
        except Exception:
            log.warning("stats cache: could not store the figures", exc_info=True)
    return value


def clear() -> None:
    """Drop every cached value of the current app (tests, between cases)."""
    cache.clear()
