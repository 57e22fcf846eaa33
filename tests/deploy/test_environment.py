"""handlers/environment.py: the Lambda start-up that reads settings from SSM and the database
secret (moto stands in for both services)."""

from __future__ import annotations

import json
import sys
from urllib.parse import unquote

import boto3
import pytest
from moto import mock_aws
from sqlalchemy.engine import make_url

from handlers import environment

PREFIX = "/taskdesk/prod/"


@pytest.fixture
def aws(monkeypatch):
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "fake-moto")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-moto")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        ssm = boto3.client("ssm", region_name="us-east-1")
        ssm.put_parameter(Name=f"{PREFIX}secret-key", Value="s" * 48, Type="SecureString")
        ssm.put_parameter(Name=f"{PREFIX}jwt-secret-key", Value="j" * 48, Type="SecureString")
        ssm.put_parameter(Name=f"{PREFIX}app-base-url", Value="https://td.example", Type="String")
        ssm.put_parameter(Name=f"{PREFIX}database-host", Value="proxy.example", Type="String")
        ssm.put_parameter(Name="/taskdesk/dev/secret-key", Value="d" * 48, Type="SecureString")
        boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="taskdesk/prod/database",
            SecretString=json.dumps({"username": "taskdesk", "password": "p@ss/word:1"}),
        )
        yield


def _lambda_environ(tmp_path) -> dict[str, str]:
    return {
        "LAMBDA_TASK_ROOT": str(tmp_path),
        "TASKDESK_SSM_PATH": PREFIX,
        "TASKDESK_DATABASE_SECRET": "taskdesk/prod/database",
        "SECRET_KEY": "set-by-hand-" + "x" * 32,
    }


def _client(service: str):
    return boto3.client(service, region_name="us-east-1")


def test_prepare_reads_the_stage_parameters_and_the_database_secret(aws, tmp_path):
    (tmp_path / "build" / "python-deps").mkdir(parents=True)
    environ = _lambda_environ(tmp_path)
    path = ["/var/runtime"]

    environment.prepare(environ, path, _client)
    url = make_url(environ["DATABASE_URL"])

    assert path == [str(tmp_path / "build" / "python-deps"), "/var/runtime"]
    assert environ["JWT_SECRET_KEY"] == "j" * 48
    assert environ["APP_BASE_URL"] == "https://td.example"
    assert environ["SECRET_KEY"] == "set-by-hand-" + "x" * 32  # the environment wins
    assert (url.drivername, url.host, url.port, url.database) == (
        "mysql+pymysql",
        "proxy.example",
        3306,
        "taskdesk",
    )
    assert (url.username, unquote(url.password)) == ("taskdesk", "p@ss/word:1")
    assert url.query == {"charset": "utf8mb4", "ssl_ca": environment.CA_BUNDLE}


def test_load_settings_reports_names_but_never_values(aws, tmp_path):
    applied = environment.load_settings(_lambda_environ(tmp_path), _client)

    assert applied == ["APP_BASE_URL", "DATABASE_HOST", "DATABASE_URL", "JWT_SECRET_KEY"]


def test_without_the_database_host_the_start_fails(aws, tmp_path):
    boto3.client("ssm", region_name="us-east-1").delete_parameter(Name=f"{PREFIX}database-host")

    with pytest.raises(KeyError, match="database-host"):
        environment.load_settings(_lambda_environ(tmp_path), _client)


@pytest.mark.parametrize(
    "marker",
    [{"IS_OFFLINE": "true"}, {"IS_LOCAL": "true"}, {"LAMBDA_TASK_ROOT": "/nonexistent/task"}],
)
def test_nothing_is_read_outside_lambda(marker, tmp_path):
    environ = {**_lambda_environ(tmp_path), **marker}
    calls = []

    environment.prepare(environ, [], lambda service: calls.append(service))

    assert calls == []
    assert "DATABASE_URL" not in environ


def test_iam_auth_is_for_lambda_only(aws, tmp_path):
    # osls offline / invoke local pass serverless.yml's DATABASE_IAM_AUTH=true to a local run
    # that connects with the developer's DATABASE_URL and its password.
    local = {"DATABASE_IAM_AUTH": "true", "IS_OFFLINE": "true", "DATABASE_URL": "mysql://x"}
    local["TASKDESK_APP_USER_SECRET"] = "taskdesk/dev/database-app"
    on_lambda = {**_lambda_environ(tmp_path), "DATABASE_IAM_AUTH": "true"}
    on_lambda["DATABASE_USER"] = "taskdesk_app"  # the host: the database-host parameter
    on_lambda.pop("TASKDESK_DATABASE_SECRET", None)

    environment.prepare(local, [], _client)
    environment.prepare(on_lambda, [], _client)

    assert "DATABASE_IAM_AUTH" not in local and local["DATABASE_URL"] == "mysql://x"
    assert "TASKDESK_APP_USER_SECRET" not in local
    assert on_lambda["DATABASE_IAM_AUTH"] == "true"
    assert on_lambda["DATABASE_URL"].startswith("mysql+pymysql://taskdesk_app@proxy.example:")


def test_importing_the_handlers_package_changes_nothing_here():
    import handlers  # noqa: F401

    assert not any(p.endswith("build/python-deps") for p in sys.path)


def test_variable_names_follow_the_parameter_names():
    assert environment.variable_name("/taskdesk/prod/app-base-url", PREFIX) == "APP_BASE_URL"
    assert environment.variable_name("/taskdesk/prod/cron-secret", PREFIX) == "CRON_SECRET"
