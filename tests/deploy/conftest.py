"""Fixtures for the deployment checks: the node tools, the packaged stack, a MariaDB database.

These tests run the real tools: `osls` (package, offline, invoke local) from node_modules, which
`make test` installs through scripts/ensure-node-tools.sh, and cfn-lint / actionlint. No AWS
account or credential is used anywhere; AWS_* variables are set to fake values only for the
emulated calls (serverless-offline and invoke local pass them to the handlers).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "node_modules" / ".bin"
VENV_BIN = ROOT / ".venv" / "bin"
SECRET_KEY = "offline-secret-key-" + "k" * 32
JWT_SECRET_KEY = "offline-jwt-secret-key-" + "j" * 32


def node_tool(name: str) -> str:
    """Path of a CLI installed from package.json; fails (does not skip) when it is missing."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run scripts/ensure-node-tools.sh (make test does)")
    return str(path)


def base_env(**extra: str) -> dict[str, str]:
    """The environment for osls: no real AWS credential, the venv's python3 first on PATH."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "TEST_DATABASE_URL", "DATABASE_URL"))
    }
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(ROOT / ".venv"),
        SLS_TELEMETRY_DISABLED="1",
        SLS_NOTIFICATIONS_MODE="off",
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(extra)
    return env


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Packaged:
    """What `osls package --stage prod` wrote: the template and the function bundle."""

    directory: Path
    template: dict[str, Any]
    bundle: Path
    seconds: float

    @property
    def resources(self) -> dict[str, Any]:
        return self.template["Resources"]

    def unzipped_bytes(self) -> int:
        with zipfile.ZipFile(self.bundle) as archive:
            return sum(info.file_size for info in archive.infolist())

    def names(self) -> list[str]:
        with zipfile.ZipFile(self.bundle) as archive:
            return archive.namelist()


@pytest.fixture(scope="session")
def packaged(tmp_path_factory) -> Packaged:
    """Build the arm64 dependencies, then package the prod stage with no AWS credentials."""
    import json
    import time

    osls = node_tool("osls")
    built = subprocess.run(
        [str(ROOT / "scripts" / "build-lambda-deps.sh")],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    out = tmp_path_factory.mktemp("package")
    started = time.monotonic()
    result = subprocess.run(
        [osls, "package", "--stage", "prod", "--package", str(out)],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    template = json.loads((out / "cloudformation-template-update-stack.json").read_text())
    return Packaged(out, template, out / "taskdesk.zip", seconds)


def _mysql_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("mysql") else None


@pytest.fixture(scope="session")
def offline_database() -> Iterator[str]:
    """An empty MariaDB database `<test database>_offline`; its SQLAlchemy URL.

    Skips on SQLite runs: the Lambda stage runs with TASKDESK_ENV=production, which refuses
    SQLite. `make test` runs this group in its MariaDB pass.
    """
    url = _mysql_url()
    if url is None:
        pytest.skip(
            "the Lambda emulation runs against MariaDB (TEST_DATABASE_URL=mysql+pymysql://...)"
        )
    with fresh_database(url, "_offline") as fresh:
        yield fresh


@contextlib.contextmanager
def fresh_database(url: str, suffix: str) -> Iterator[str]:
    """An empty MariaDB database named `<url's database><suffix>`, dropped afterwards; its URL."""
    import pymysql

    parsed = make_url(url)
    name = f"{parsed.database}{suffix}"
    connect = {
        "host": parsed.host,
        "port": parsed.port or 3306,
        "user": parsed.username,
        "password": parsed.password,
    }
    with contextlib.closing(pymysql.connect(**connect)) as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with contextlib.closing(pymysql.connect(**connect)) as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


def invoke_local(function: str, event: dict, database_url: str) -> subprocess.CompletedProcess:
    """`osls invoke local -f <function> --stage dev --data <event>` against `database_url`."""
    import json

    return subprocess.run(
        [
            node_tool("osls"),
            "invoke",
            "local",
            "-f",
            function,
            "--stage",
            "dev",
            "--data",
            json.dumps(event),
        ],
        cwd=ROOT,
        env=base_env(
            DATABASE_URL=database_url,
            SECRET_KEY=SECRET_KEY,
            JWT_SECRET_KEY=JWT_SECRET_KEY,
            APP_BASE_URL="https://taskdesk.example.com",
            MAIL_FROM="taskdesk <no-reply@example.com>",
            # No SES here: the jobs' mail waits in the outbox (the email tests cover sending).
            SES_ENDPOINT_URL="http://127.0.0.1:9",
            AWS_ACCESS_KEY_ID="fake-invoke-local",
            AWS_SECRET_ACCESS_KEY="fake-invoke-local",
            AWS_MAX_ATTEMPTS="1",
            MAIL_MAX_SEND_RATE="14",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def migrated_database(offline_database) -> str:
    """The offline database, migrated to head by the `migrate` function (osls invoke local)."""
    result = invoke_local("migrate", {}, offline_database)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert '"job": "migrate"' in result.stdout
    return offline_database
