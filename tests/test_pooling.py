"""api.pooling on MariaDB: what each request sends beside its statements, and what it must not skip.

The driver's own `ping` and `rollback` are counted, so the figures are what reached the server.
Each test runs its own app (its own one-connection pool) whose requests push their own app
context, so the Session closes and the connection goes back to the pool as on Lambda.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pymysql
import pytest
import sqlalchemy as sa

from api import create_app, pooling
from api.extensions import db as _db
from api.tasks.models import Task


@pytest.fixture
def mysql_url(database_url: str) -> str:
    if not database_url.startswith("mysql"):
        pytest.skip("the pool checks are for MySQL; SQLite keeps its own pool")
    return database_url


@pytest.fixture
def lambda_app(mysql_url: str) -> Iterator:
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": mysql_url})
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def driver_calls(monkeypatch) -> Counter:
    """Counts of PyMySQL `ping` and `rollback` calls, on every connection."""
    calls: Counter = Counter()
    for name in ("ping", "rollback"):
        original = getattr(pymysql.connections.Connection, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(pymysql.connections.Connection, name, counted)
    return calls


def _connection_id(app) -> int:
    with app.app_context():
        return _db.session.scalar(sa.text("SELECT CONNECTION_ID()"))


def test_a_request_on_a_warm_connection_rolls_back_once_and_does_not_ping(lambda_app, driver_calls):
    client = lambda_app.test_client()
    assert client.get("/api/v1/health").status_code == 200
    driver_calls.clear()

    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert driver_calls == Counter(rollback=1)


def test_a_connection_idle_past_the_limit_is_pinged_first(lambda_app, driver_calls, monkeypatch):
    client = lambda_app.test_client()
    assert client.get("/api/v1/health").status_code == 200
    monkeypatch.setattr(pooling, "PING_AFTER_IDLE", 0.0)
    driver_calls.clear()

    assert client.get("/api/v1/health").status_code == 200
    assert driver_calls == Counter(ping=1, rollback=1)


def test_a_connection_the_server_closed_while_idle_is_replaced(lambda_app, mysql_url, monkeypatch):
    client = lambda_app.test_client()
    first = _connection_id(lambda_app)
    killer = sa.create_engine(mysql_url, poolclass=sa.pool.NullPool)
    with killer.connect() as conn:
        conn.execute(sa.text(f"KILL CONNECTION {first}"))
    killer.dispose()
    monkeypatch.setattr(pooling, "PING_AFTER_IDLE", 0.0)

    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert _connection_id(lambda_app) != first


def test_the_next_request_reads_a_fresh_snapshot(lambda_app, make, auth, mysql_url):
    """REPEATABLE READ: a transaction left open on return would keep showing the old title."""
    manager, headers = auth.as_role("manager")
    task = make.task(created_by=manager, title="Before")
    client = lambda_app.test_client()
    assert client.get("/api/v1/tasks", headers=headers).get_json()["items"][0]["title"] == "Before"

    other = sa.create_engine(mysql_url, poolclass=sa.pool.NullPool)
    with other.begin() as conn:
        conn.execute(sa.update(Task).where(Task.id == task.id).values(title="After"))
    other.dispose()

    listed = client.get("/api/v1/tasks", headers=headers).get_json()["items"]
    assert [item["title"] for item in listed] == ["After"]


def test_raw_driver_work_is_rolled_back_on_return(lambda_app, make, mysql_url):
    """A checkout that ran statements SQLAlchemy never saw still ends with a ROLLBACK."""
    manager = make.user(role="manager")
    with lambda_app.app_context():
        raw = _db.engine.raw_connection()
        with raw.cursor() as cursor:
            cursor.execute("UPDATE users SET username = 'renamed' WHERE id = %s", (manager.id,))
        raw.close()
        with _db.engine.begin() as conn:  # the same pooled connection, committing
            conn.execute(sa.text("SELECT 1"))

    reader = sa.create_engine(mysql_url, poolclass=sa.pool.NullPool)
    with reader.connect() as conn:
        username = conn.execute(
            sa.text("SELECT username FROM users WHERE id = :id"), {"id": manager.id}
        ).scalar_one()
    reader.dispose()
    assert username == manager.username
