"""Fixtures for the HTTP-surface tests: extra apps on the session database, and the real Redis.

`TEST_REDIS_URL` names the tests' Redis database (scripts/ensure-redis.sh prints it; `make test`
sets it). When it is set, Redis must answer; when it is not, redis://127.0.0.1:6379/5 is tried and
the Redis cases are skipped if nothing answers there. Only that database index is ever flushed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from api import create_app
from api.extensions import db as _db
from tests.conftest import REAL_RATE_LIMITS

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("TEST_REDIS_URL"):
            raise
        pytest.skip(f"no Redis at {url} ({exc}); run scripts/ensure-redis.sh")
    return url


@pytest.fixture
def redis_db(redis_url: str) -> Iterator[Any]:
    """A client of the tests' Redis database, flushed before and after the test."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def make_app(app: Flask, database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build another app on the session database (another Lambda container, say).

    `make_app(**config)` starts from the testing config with the real rate limits.
    """

    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        config = {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            **REAL_RATE_LIMITS,
            **overrides,
        }
        built.append(create_app(config))
        built[-1].test_client_class = app.test_client_class  # closes responses like a server
        return built[-1]

    yield build
    for other in built:
        with other.app_context():
            _db.engine.dispose()
