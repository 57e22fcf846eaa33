"""Fixtures: one app per session on MariaDB or SQLite (TEST_DATABASE_URL), clean tables per test.

The schema is built by the Alembic migrations, exactly as production builds it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

os.environ.setdefault("TASKDESK_NO_DOTENV", "1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from api import create_app, limits
from api.cache import cache as stats_cache
from api.cli import upgrade_database
from api.config import BaseConfig
from api.extensions import db as _db
from tests.factories import Auth, Factory


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if url.startswith("mysql"):
        if worker:
            base, _, query = url.partition("?")
            url = f"{base}_{worker}" + (f"?{query}" if query else "")
        _recreate_mysql_database(url)
        return url
    return f"sqlite:///{tmp_root / f'taskdesk-test{worker}.db'}"


def _recreate_mysql_database(url: str) -> None:
    parsed = sa.make_url(url)
    server = sa.create_engine(parsed.set(database=""), poolclass=sa.pool.NullPool)
    with server.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{parsed.database}`"))
        conn.execute(
            sa.text(
                f"CREATE DATABASE `{parsed.database}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        )
    server.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_url(tmp_path_factory.mktemp("db"))


class ServerLikeClient(FlaskClient):
    """A test client that closes each response before returning it, as a WSGI server does
    once the last byte is sent: work deferred with `call_on_close` (email sent after the
    response) has run when the test looks. Pass `buffered=False` to look before it runs."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture(scope="session")
def app(database_url: str):
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LOGIN_MAX_FAILURES": 5,
        }
    )
    app.test_client_class = ServerLikeClient
    upgrade_database(app)
    with app.app_context():
        yield app


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    _db.session.remove()
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())
    stats_cache.clear()  # the rows went without a session commit: no generation bump


# The production limits; the testing config keeps them out of reach of the suite.
REAL_RATE_LIMITS = {
    key: getattr(BaseConfig, key)
    for key in (
        "RATELIMIT_DEFAULT",
        "RATELIMIT_REGISTER",
        "RATELIMIT_PASSWORD_RESET",
        "RATELIMIT_REPORT_EMAIL",
        "RATELIMIT_CALENDAR",
    )
}


@pytest.fixture
def rate_limits(app) -> Iterator[dict[str, str]]:
    """The real rate limits on the session app, with fresh counters; yields the limits."""
    saved = {key: app.config[key] for key in REAL_RATE_LIMITS}
    app.config.update(REAL_RATE_LIMITS)
    limits.reset(app)
    try:
        yield dict(REAL_RATE_LIMITS)
    finally:
        app.config.update(saved)
        limits.reset(app)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app) -> Factory:
    return Factory()


@pytest.fixture
def auth(app, make) -> Auth:
    return Auth(make)


class QueryCounter:
    """Counts SQL statements sent to the database while active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as counter: ...` then `counter.count`."""

    @contextlib.contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        sa.event.listen(_db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(_db.engine, "before_cursor_execute", counter)

    return counting
