"""Logging (api/logs.py): JSON lines with the request id on every host, quiet AWS libraries,
alembic's fileConfig skipped once logging is configured, gunicorn's lines as JSON."""

from __future__ import annotations

import json
import logging
import logging.config
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.logs import JsonFormatter, RequestIdFilter

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter (no pytest handler on the root logger)."""
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOG_", "DATABASE_"))
    }
    environ.update(
        TASKDESK_ENV="testing",
        TASKDESK_NO_DOTENV="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'logs.db'}",
        PYTHONPATH=str(ROOT),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_the_app_logs_json_with_the_request_id_and_keeps_aws_libraries_quiet(tmp_path):
    done = _run(
        "import logging\n"
        "from api import create_app\n"
        "app = create_app()\n"
        "with app.test_request_context(headers={'X-Request-ID': 'req-42'}):\n"
        "    app.preprocess_request()\n"
        "    logging.getLogger('api.tasks').info('task %s saved', 7)\n"
        "logging.getLogger('handlers.jobs').info('job outbox done')\n"
        "logging.getLogger('botocore.endpoint').info('a botocore detail')\n"
        "logging.getLogger('urllib3.connectionpool').info('a urllib3 detail')\n"
        "try:\n"
        "    1 / 0\n"
        "except ZeroDivisionError:\n"
        "    logging.getLogger('api.errors').exception('it broke')\n",
        tmp_path,
        LOG_FORMAT="json",
    )
    assert done.returncode == 0, done.stderr
    lines = _json_lines(done.stderr)
    by_message = {line["message"]: line for line in lines}

    assert by_message["task 7 saved"]["requestId"] == "req-42"
    assert by_message["task 7 saved"]["level"] == "INFO"
    assert by_message["task 7 saved"]["logger"] == "api.tasks"
    assert by_message["task 7 saved"]["timestamp"].endswith("Z")
    assert "requestId" not in by_message["job outbox done"]  # outside a request
    assert by_message["it broke"]["errorType"] == "ZeroDivisionError"
    assert not [line for line in lines if "detail" in line["message"]]
    assert all(line.startswith("{") for line in done.stderr.splitlines() if line.strip())


def test_migrations_keep_the_json_handler_instead_of_alembic_ini(tmp_path):
    done = _run(
        "from api import create_app\n"
        "from api.cli import upgrade_database\n"
        "upgrade_database(create_app())\n",
        tmp_path,
        LOG_FORMAT="json",
    )
    assert done.returncode == 0, done.stderr
    lines = _json_lines(done.stderr)

    assert any(
        line["logger"].startswith("alembic") and "Running upgrade" in line["message"]
        for line in lines
    ), done.stderr[-2000:]
    assert all(line.startswith("{") for line in done.stderr.splitlines() if line.strip())


def test_a_bad_log_setting_refuses_to_start(tmp_path):
    done = _run("from api import create_app\ncreate_app()\n", tmp_path, LOG_FORMAT="xml")

    assert done.returncode != 0
    assert "LOG_FORMAT must be json or text" in done.stderr


def test_gunicorn_access_and_error_lines_are_json_with_the_request_id(tmp_path, monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    settings: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)
    config = settings["logconfig_dict"]
    formatter = logging.config.DictConfigurator(config).configure_custom(
        dict(config["formatters"]["json"])
    )
    atoms = {"h": "10.0.0.1", "r": "GET /health HTTP/1.1", "s": "200", "b": "15", "M": "3"}
    atoms["{x-request-id}o"] = "req-7"
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, settings["access_log_format"], (atoms,), None
    )
    RequestIdFilter().filter(record)
    line = json.loads(formatter.format(record))

    assert line["requestId"] == "req-7"
    assert line["message"] == '10.0.0.1 "GET /health HTTP/1.1" 200 15 3ms'
    assert config["loggers"]["gunicorn.error"]["handlers"] == ["stderr"]
    assert config["root"]["handlers"] == ["stderr"]  # gunicorn's default root names "console"


@pytest.mark.parametrize("extra", [{"job": "outbox"}, {}])
def test_json_formatter_keeps_extra_fields(extra):
    record = logging.LogRecord("api", logging.WARNING, __file__, 1, "hello %s", ("you",), None)
    record.__dict__.update(extra)
    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "hello you" and line["level"] == "WARNING"
    assert {k: line[k] for k in extra} == extra
