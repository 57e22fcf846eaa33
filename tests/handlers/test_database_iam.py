"""IAM authentication to RDS Proxy: the password-less URL, a signed token per new connection over
verified TLS (api/rds_iam.py), and `migrate` creating the application user (api/db_users.py)."""

from __future__ import annotations

import json
import os
from urllib.parse import parse_qs, urlsplit

import boto3
import pymysql
import pytest
import sqlalchemy as sa
from moto import mock_aws

import handlers.jobs as jobs_handler
from api import create_app, rds_iam
from api.config import RDS_CA_BUNDLE
from api.db_users import ensure_app_user
from handlers import snapstart
from handlers.environment import iam_database_url, load_settings
from tests.handlers.test_jobs import Context

IAM_ENV = {
    "DATABASE_IAM_AUTH": "true",
    "DATABASE_HOST": "taskdesk-prod.proxy-abc.us-east-1.rds.amazonaws.com",
    "DATABASE_PORT": "3306",
    "DATABASE_NAME": "taskdesk",
    "DATABASE_USER": "taskdesk_app",
}


def test_the_iam_database_url_has_no_password_and_asks_for_the_rds_ca():
    url = sa.make_url(iam_database_url(IAM_ENV))

    assert (url.username, url.password) == ("taskdesk_app", None)
    assert (url.host, url.port, url.database) == (IAM_ENV["DATABASE_HOST"], 3306, "taskdesk")
    assert url.query == {"charset": "utf8mb4", "ssl_ca": "rds"}
    with pytest.raises(KeyError, match="DATABASE_USER"):
        iam_database_url({**IAM_ENV, "DATABASE_USER": ""})


def test_lambda_start_up_with_iam_auth_reads_no_secret():
    environ = {**IAM_ENV, "TASKDESK_DATABASE_SECRET": "taskdesk/prod/database"}
    asked: list[str] = []

    def factory(service):
        asked.append(service)
        raise AssertionError(f"no {service} client expected")

    names = load_settings(environ, factory)

    assert names == ["DATABASE_URL"] and asked == []
    assert environ["DATABASE_URL"] == iam_database_url(IAM_ENV)


@pytest.fixture
def iam_app(monkeypatch):
    """An app as Lambda builds it with IAM auth, whose PyMySQL `connect` only records its
    keyword arguments and refuses (the local MariaDB does not do IAM authentication)."""
    calls: list[dict] = []

    def fake_connect(*args, **kwargs):
        calls.append(kwargs)
        raise pymysql.err.OperationalError(2003, "fake connect: recorded")

    monkeypatch.setattr(pymysql, "connect", fake_connect)
    monkeypatch.setenv("DATABASE_IAM_AUTH", "true")
    with mock_aws():
        app = create_app(
            {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": iam_database_url(IAM_ENV)}
        )
        app.calls = calls
        yield app


def _connect(app) -> None:
    from api.extensions import db

    with app.app_context(), pytest.raises(sa.exc.OperationalError, match="recorded"):
        db.engine.connect()


def test_every_new_connection_signs_in_with_a_fresh_token_over_verified_tls(iam_app):
    _connect(iam_app)
    _connect(iam_app)

    assert len(iam_app.calls) == 2
    for kwargs in iam_app.calls:
        token = kwargs["password"]
        parts = urlsplit("https://" + token)
        query = parse_qs(parts.query)
        assert parts.netloc == f"{IAM_ENV['DATABASE_HOST']}:3306"
        assert query["Action"] == ["connect"] and query["DBUser"] == ["taskdesk_app"]
        assert query["X-Amz-Expires"] == ["900"]  # 15 minutes, checked only at sign-in
        assert "X-Amz-Signature" in query and "passwd" not in kwargs
        assert kwargs["user"] == "taskdesk_app"
        assert kwargs["ssl"] == {"ca": str(RDS_CA_BUNDLE), "check_hostname": True}
    assert RDS_CA_BUNDLE.is_file()


def test_the_token_client_is_dropped_before_a_snapstart_snapshot(iam_app):
    auth = iam_app.extensions[rds_iam.EXTENSION]
    _connect(iam_app)
    first = auth.client()

    snapstart.before_snapshot(iam_app)

    assert auth._client is None
    _connect(iam_app)
    assert auth.client() is not first and len(iam_app.calls) == 2


def test_without_iam_auth_no_listener_is_installed(app):
    from api.extensions import db

    assert rds_iam.EXTENSION not in app.extensions
    assert not app.config["DATABASE_IAM_AUTH"]
    assert db.engine.dialect.name in ("mysql", "sqlite")


# --- migrate creates the application user (real MariaDB, as a master-like account) -------------


@pytest.fixture
def master(database_url):
    """The test database reached as `taskdesk_master` (scripts/ensure-mariadb.sh), which, like
    the RDS master user, may create accounts and grant rights on the test databases."""
    if not database_url.startswith("mysql"):
        pytest.skip("database accounts are MySQL/MariaDB's")
    url = sa.make_url(database_url).set(username="taskdesk_master")
    user = f"td_app_{os.getpid()}"[:32]
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    yield url, user
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'%%'", ())
    engine.dispose()


def _as(url: sa.URL, user: str, password: str) -> sa.Engine:
    return sa.create_engine(url.set(username=user, password=password), poolclass=sa.pool.NullPool)


def test_migrate_creates_the_app_user_with_only_dml_grants_and_a_rerun_changes_nothing(
    master, monkeypatch
):
    url, user = master
    schema = url.database
    password = "AppUserPassword0123456789"
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
        }
    )
    monkeypatch.setattr(jobs_handler, "_app", app)
    monkeypatch.setenv("TASKDESK_APP_USER_SECRET", "taskdesk/test/database-app")

    with mock_aws():
        boto3.client("secretsmanager").create_secret(
            Name="taskdesk/test/database-app",
            SecretString=json.dumps({"username": user, "password": password}),
        )
        first = jobs_handler.migrate({}, Context())
        second = jobs_handler.migrate({}, Context())

    assert first["result"]["app_user"] == {"created": True, "granted": True}
    assert second["result"]["app_user"] == {"created": False, "granted": False}
    escaped = schema.replace("_", "\\_")
    with _as(url, user, password).connect() as conn:
        grants = [row[0] for row in conn.exec_driver_sql("SHOW GRANTS")]
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM users").scalar() == 0
        conn.exec_driver_sql("UPDATE users SET id = id WHERE 1 = 0")
        with pytest.raises(sa.exc.OperationalError, match="denied"):
            conn.exec_driver_sql("CREATE TABLE app_user_may_not (id INT)")
        with pytest.raises(sa.exc.OperationalError, match="denied"):
            conn.exec_driver_sql("DROP TABLE users")
    assert len(grants) == 2, grants
    assert grants[0].startswith(f"GRANT USAGE ON *.* TO `{user}`@`%`")
    assert grants[1] == f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{escaped}`.* TO `{user}`@`%`"


def test_extra_grants_are_taken_back_and_the_password_of_an_existing_user_is_kept(master):
    url, user = master
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        ensure_app_user(conn, user, "FirstPassword0123456789", url.database)
        conn.exec_driver_sql(
            f"GRANT CREATE, DROP ON `{url.database.replace('_', chr(92) + '_')}`.* TO '{user}'@'%%'",
            (),
        )
        again = ensure_app_user(conn, user, "OtherPassword0123456789", url.database)

    assert again == {"created": False, "granted": True}
    with _as(url, user, "FirstPassword0123456789").connect() as conn:
        grants = [row[0] for row in conn.exec_driver_sql("SHOW GRANTS")]
        with pytest.raises(sa.exc.OperationalError, match="denied"):
            conn.exec_driver_sql("CREATE TABLE app_user_may_not (id INT)")
    assert len(grants) == 2 and "SELECT, INSERT, UPDATE, DELETE" in grants[1]
    engine.dispose()


@pytest.mark.parametrize(
    ("user", "password", "schema", "message"),
    [
        ("app'; DROP USER root; --", "x", "taskdesk", "user name"),
        ("a" * 33, "x", "taskdesk", "user name"),
        ("taskdesk_app", "x", "task-desk", "database name"),
        ("taskdesk_app", "", "taskdesk", "password"),
    ],
)
def test_bad_names_are_refused_before_any_statement(user, password, schema, message):
    class NoConnection:
        def exec_driver_sql(self, *args):
            raise AssertionError("no statement expected")

    with pytest.raises(ValueError, match=message):
        ensure_app_user(NoConnection(), user, password, schema)
