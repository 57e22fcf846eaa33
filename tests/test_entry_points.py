"""The other ways taskdesk is served: Vercel (api/index.py), gunicorn, and serverless.yml."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from flask import Flask
from werkzeug.test import Client

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_vercel_entry_point_serves_the_api_as_wsgi(tmp_path, monkeypatch):
    monkeypatch.setenv("TASKDESK_ENV", "testing")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'vercel.db'}")
    # What the Vercel Python runtime does: load the file as a module and look for `app`.
    spec = importlib.util.spec_from_file_location("vercel_entry", ROOT / "api" / "index.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    wsgi = module.app
    client = Client(wsgi)

    health = client.get("/api/v1/health")
    tasks = client.get("/api/v1/tasks")

    assert isinstance(wsgi, Flask)
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok", "database": "ok"}
    assert tasks.status_code == 401
    assert tasks.get_json()["code"] == 401


def test_vercel_json_sends_every_path_to_the_entry_point():
    config = json.loads((ROOT / "vercel.json").read_text())

    assert config["rewrites"] == [{"source": "/(.*)", "destination": "/api/index"}]
    # One declared build: api/index.py with the Python runtime (tests/deploy/test_vercel.py runs
    # Vercel's own detection on the upload).
    assert [(b["src"], b["use"]) for b in config["builds"]] == [("api/index.py", "@vercel/python")]
    assert "routes" not in config and "functions" not in config


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _post_json(url: str, payload: dict) -> int:
    req = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_gunicorn_serves_the_app_factory(tmp_path):
    database = tmp_path / "gunicorn.db"
    env = {
        **os.environ,
        "TASKDESK_ENV": "development",
        "TASKDESK_NO_DOTENV": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "FLASK_APP": "api:create_app",
    }
    env.pop("TEST_DATABASE_URL", None)
    migrated = subprocess.run(
        [str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr
    port = _free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "api:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        status, body = None, None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            with contextlib.suppress(OSError):
                status, body = _get(f"{base}/health")
                break
            time.sleep(0.2)
        assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
        login = _post_json(f"{base}/auth/login", {"login": "nobody", "password": "wrong one"})
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    assert status == 200
    assert body["status"] == "ok"
    assert login == 401
    # The failed sign-in went into the migrated SQLite database, keyed by the client address.
    with contextlib.closing(sqlite3.connect(database)) as conn:
        keys = sorted(k for (k,) in conn.execute("SELECT key FROM login_attempts"))
    assert keys == ["ip:127.0.0.1", "login:nobody"]


@pytest.fixture(scope="module")
def serverless() -> dict:
    return yaml.safe_load((ROOT / "serverless.yml").read_text())


def test_serverless_yml_describes_the_http_function(serverless):
    provider = serverless["provider"]
    http = serverless["functions"]["http"]

    assert serverless["service"] == "taskdesk"
    assert (provider["name"], provider["runtime"], provider["architecture"]) == (
        "aws",
        "python3.12",
        "arm64",
    )
    assert provider["stage"] == "${opt:stage, 'dev'}"
    assert provider["httpApi"]["payload"] == "2.0"
    assert http["handler"] == "handlers/http.handler"
    assert http["events"] and all(set(e) == {"httpApi"} for e in http["events"])
    # Secrets are read at start from SSM / Secrets Manager (handlers/environment.py), never
    # written into the template.
    for key in ("SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL"):
        assert key not in provider["environment"]
    assert provider["environment"]["TASKDESK_SSM_PATH"] == "/taskdesk/${sls:stage}/"
    # Everything is left out of the bundle but the application and its built dependencies.
    assert serverless["package"]["patterns"][:4] == [
        "!./**",
        "api/**",
        "handlers/**",
        "build/python-deps/**",
    ]


def test_every_serverless_handler_resolves_to_a_callable(serverless):
    for name, function in serverless["functions"].items():
        module_path, _, attribute = function["handler"].rpartition(".")
        module = importlib.import_module(module_path.replace("/", "."))
        assert callable(getattr(module, attribute, None)), name
