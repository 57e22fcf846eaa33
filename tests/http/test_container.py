"""The container image: its Dockerfile's rules, hadolint, and its gunicorn command really serving.

Docker itself cannot run here, so the test takes the CMD and ENV of the Dockerfile and runs that
command with this virtualenv's gunicorn, on a free loopback port, against the test database.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the final stage, continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            rows = []  # only the last stage is the image
        rows.append((word.upper(), rest.strip()))
    return rows


def _image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in _instructions():
        if word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def _image_cmd() -> list[str]:
    [cmd] = [rest for word, rest in _instructions() if word == "CMD"]
    return json.loads(cmd)


def test_the_image_runs_as_a_non_root_user_with_a_healthcheck():
    rows = _instructions()
    assert rows[0][0] == "FROM" and rows[0][1].startswith("python:3.11-slim")
    users = [rest for word, rest in rows if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    [health] = [rest for word, rest in rows if word == "HEALTHCHECK"]
    assert "/api/v1/health" in health
    cmd = _image_cmd()
    assert cmd[0] == "gunicorn" and cmd[-1] == "api:create_app()"
    env = _image_env()
    assert env["TASKDESK_ENV"] == "production"
    assert not any("SECRET" in key or "PASSWORD" in key for key in env), "no secrets in layers"


def test_the_image_copies_no_local_secrets():
    ignored = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()]
    assert next(line for line in ignored if not line.startswith("#")) == "*"  # allow-list
    assert not any(line.startswith("!") and ".env" in line for line in ignored)
    copies = [rest for word, rest in _instructions() if word == "COPY"]
    assert not any(".env" in rest.split() for rest in copies)


def test_hadolint_passes():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install -r requirements-dev.txt)")
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_image_command_serves_a_healthy_answer(database_url, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        **_image_env(),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        # What docker-compose.yml provides at run time, never the image.
        "SECRET_KEY": "k" * 48,
        "JWT_SECRET_KEY": "j" * 48,
        "DATABASE_URL": database_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    if database_url.startswith("sqlite"):
        env["TASKDESK_ENV"] = "testing"  # production refuses SQLite; MariaDB runs keep it
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(_image_cmd(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        body, status = None, None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/health", timeout=2
                ) as response:
                    status, body = response.status, json.loads(response.read())
                    headers = dict(response.headers)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert status == 200, (tmp_path / "gunicorn.log").read_text()
        assert body == {"status": "ok", "database": "ok"}
        assert headers["X-Content-Type-Options"] == "nosniff"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()
