"""The packaged bundle run the way Lambda runs it: `awslambdaric` (the runtime client of the
managed Python runtimes) against a small Runtime API on 127.0.0.1, with each function's
environment from the packaged template, settings from SSM in moto_server, and MariaDB.

The bundle is the one `osls package` built, with its dependencies rebuilt for this machine's
architecture and this interpreter (scripts/build-lambda-deps.sh LAMBDA_ARCH / LAMBDA_PYTHON);
the functions import it from the unzipped task root, as on Lambda. The journey: `migrate`, the
first admin, the `http` function through a full SnapStart cycle (init, before-snapshot hooks,
/restore/next, after-restore hooks, then requests: health, register, login, a task), and the
outbox job with an EventBridge scheduled event. The log stream (the runtime's stdout) must hold
taskdesk's INFO lines as JSON with the request id.
"""

from __future__ import annotations

import json
import platform
import queue
import subprocess
import sys
import threading
import uuid
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.deploy.conftest import (
    JWT_SECRET_KEY,
    ROOT,
    SECRET_KEY,
    base_env,
    free_port,
    fresh_database,
)
from tests.deploy.test_offline import (
    _set_password_from_the_reset_link,
    _stop,
    running_moto_server,
)

PREFIX = "/2018-06-01/runtime"


class RuntimeApi:
    """The Lambda Runtime API endpoints awslambdaric calls, serving events from a queue:
    GET invocation/next, POST invocation/<id>/response and /error, POST init/error,
    GET restore/next (SnapStart) and POST restore/error."""

    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        self.restored = threading.Event()
        self.port = free_port()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def _send(self, status: int, body: bytes = b"{}", headers: dict | None = None):
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == f"{PREFIX}/restore/next":
                    api.restored.set()
                    return self._send(200)
                if self.path != f"{PREFIX}/invocation/next":
                    return self._send(404)
                event = api.events.get(timeout=120)
                request_id = str(uuid.uuid4())
                self._send(
                    200,
                    json.dumps(event).encode(),
                    {
                        "Lambda-Runtime-Aws-Request-Id": request_id,
                        "Lambda-Runtime-Deadline-Ms": "9999999999999",
                        "Lambda-Runtime-Invoked-Function-Arn": (
                            "arn:aws:lambda:us-east-1:123456789012:function:taskdesk-prod"
                        ),
                        "Content-Type": "application/json",
                    },
                )

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                kind = self.path.rsplit("/", 1)[-1]
                api.results.put((self.path.split("/")[-2] + "/" + kind, body))
                self._send(202)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def invoke(self, event: dict, timeout: float = 120) -> dict:
        """Queue `event`; return the function's response (fails on an error report)."""
        self.events.put(event)
        where, body = self.results.get(timeout=timeout)
        assert where.endswith("/response"), (where, body[:3000])
        return json.loads(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def task_root(packaged, tmp_path_factory) -> Path:
    """The packaged bundle unzipped, its dependencies rebuilt for this machine and interpreter."""
    root = tmp_path_factory.mktemp("task")
    with zipfile.ZipFile(packaged.bundle) as archive:
        archive.extractall(root)
    machine = "x86_64" if platform.machine() in ("x86_64", "AMD64") else "arm64"
    deps = ROOT / "build" / f"python-deps-{machine}-py{sys.version_info[0]}{sys.version_info[1]}"
    built = subprocess.run(
        [str(ROOT / "scripts" / "build-lambda-deps.sh")],
        cwd=ROOT,
        env=base_env(
            LAMBDA_ARCH=machine,
            LAMBDA_PYTHON=f"{sys.version_info[0]}.{sys.version_info[1]}",
            LAMBDA_DEPS_DIR=str(deps.relative_to(ROOT)),
        ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    target = root / "build" / "python-deps"
    subprocess.run(["rm", "-rf", str(target)], check=True)
    subprocess.run(["cp", "-r", str(deps), str(target)], check=True)
    print(f"\nLambda bundle: {packaged.unzipped_bytes() / 1e6:.1f} MB unzipped (limit 250 MB)")
    return root


@pytest.fixture(scope="module")
def moto(tmp_path_factory) -> Iterator[str]:
    """moto_server with the prod settings in SSM and the mail domain verified in SES."""
    import boto3

    with running_moto_server(tmp_path_factory.mktemp("moto")) as url:
        fake = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
        ssm = boto3.client("ssm", endpoint_url=url, **fake)
        for name, value in {
            "secret-key": SECRET_KEY,
            "jwt-secret-key": JWT_SECRET_KEY,
            "mail-from": "taskdesk <no-reply@example.com>",
            "app-base-url": "https://taskdesk.example.com",
        }.items():
            ssm.put_parameter(Name=f"/taskdesk/prod/{name}", Value=value, Type="SecureString")
        boto3.client("ses", endpoint_url=url, **fake).verify_domain_identity(Domain="example.com")
        yield url


def _function_env(packaged, name: str, task_root: Path, api: RuntimeApi, **extra: str) -> dict:
    props = packaged.resources[f"{name.capitalize()}LambdaFunction"]["Properties"]
    handler = props["Handler"]
    env = {k: v for k, v in props["Environment"]["Variables"].items() if isinstance(v, str)}
    # The local MariaDB does no IAM authentication and has no RDS master user: DATABASE_URL
    # (given) is used as is, and migrate's app-user step is tested in
    # tests/handlers/test_database_iam.py.
    assert env["DATABASE_IAM_AUTH"] == "true"
    env.update(DATABASE_IAM_AUTH="false", TASKDESK_APP_USER_SECRET="")
    env.update(
        PATH="/usr/bin:/bin",
        LAMBDA_TASK_ROOT=str(task_root),
        _HANDLER=handler,
        AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{api.port}",
        AWS_LAMBDA_FUNCTION_NAME=f"taskdesk-prod-{name}",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(props["MemorySize"]),
        AWS_LAMBDA_LOG_FORMAT=props["LoggingConfig"]["LogFormat"],
        AWS_LAMBDA_LOG_LEVEL=props["LoggingConfig"]["ApplicationLogLevel"],
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="fake-runtime",
        AWS_SECRET_ACCESS_KEY="fake-runtime",
        **extra,
    )
    return env


class Function:
    """One awslambdaric process serving `name` from the task root."""

    def __init__(self, packaged, name, task_root, moto, database, tmp_path, **extra):
        self.api = RuntimeApi()
        self.log_path = tmp_path / f"{name}.log"
        env = _function_env(
            packaged,
            name,
            task_root,
            self.api,
            AWS_ENDPOINT_URL=moto,
            SES_ENDPOINT_URL=moto,
            DATABASE_URL=database,
            **extra,
        )
        self.log = self.log_path.open("w+b")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", env["_HANDLER"]],
            cwd=task_root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def lines(self) -> list[dict]:
        text = self.log_path.read_text()
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    def stop(self) -> None:
        _stop(self.process)
        self.api.close()


def _http(method: str, path: str, body: dict | None = None, token: str = "") -> dict:
    headers = {"content-type": "application/json", "host": "taskdesk.example.com"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "http": {"method": method, "path": path, "sourceIp": "203.0.113.9"},
            "domainName": "taskdesk.example.com",
            "stage": "$default",
            "requestId": str(uuid.uuid4()),
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


@pytest.fixture(scope="module")
def runtime_database(offline_database) -> Iterator[str]:
    """An empty MariaDB database (the offline one, recreated for this module)."""
    with fresh_database(offline_database, "_runtime") as url:
        yield url


def test_the_bundle_serves_under_awslambdaric_through_a_snapstart_cycle(
    packaged, task_root, moto, runtime_database, tmp_path
):
    started: list[Function] = []

    def start(name: str, **extra: str) -> Function:
        function = Function(packaged, name, task_root, moto, runtime_database, tmp_path, **extra)
        started.append(function)
        return function

    try:
        migrate = start("migrate")
        assert migrate.api.invoke({})["job"] == "migrate"

        admin = start("admin")
        created = admin.api.invoke({"email": "root@example.com", "username": "root"})
        assert created["admin"]["username"] == "root"
        _set_password_from_the_reset_link(
            runtime_database, "root@example.com", "Runtime-pass-2026!", moto
        )

        http = start("http", AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
        health = http.api.invoke(_http("GET", "/api/v1/health"))
        assert http.api.restored.is_set()  # init -> before-snapshot -> restore -> after-restore
        assert health["statusCode"] == 200, health
        assert json.loads(health["body"])["database"] == "ok"
        registered = http.api.invoke(
            _http(
                "POST",
                "/api/v1/auth/register",
                {"email": "erin@example.com", "username": "erin", "password": "Erin-pass-2026!"},
            )
        )
        # 202 for a new and a taken address alike; the account is created after the answer,
        # still inside the invocation (api/notifications/after_response.py).
        assert registered["statusCode"] == 202, registered
        login = http.api.invoke(
            _http("POST", "/api/v1/auth/login", {"login": "root", "password": "Runtime-pass-2026!"})
        )
        assert login["statusCode"] == 200, login
        token = json.loads(login["body"])["access_token"]
        task = http.api.invoke(_http("POST", "/api/v1/tasks", {"title": "Ship it"}, token))
        assert task["statusCode"] == 201, task

        outbox = start("outbox")
        scheduled = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/taskdesk-prod-outbox"],
            "detail": {},
        }
        ran = outbox.api.invoke(scheduled)
        assert ran["job"] == "outbox" and ran["result"]["failed"] == 0, ran
    finally:
        for function in started:
            function.stop()

    # The log stream: taskdesk's INFO lines, as JSON, with Lambda's request id.
    messages = {
        name: [line for line in f.lines() if line.get("level") == "INFO"]
        for name, f in zip(("migrate", "admin", "http", "outbox"), started, strict=True)
    }
    assert any(m["message"].startswith("migrations applied") for m in messages["migrate"])
    assert any(m["message"].startswith("settings loaded") for m in messages["http"])
    assert any(m["message"].startswith("after restore") for m in messages["http"])
    done = [m for m in messages["outbox"] if m["message"].startswith("job outbox done")]
    assert done and done[0]["requestId"] and done[0]["job"] == "outbox"
    # Every email (the admin's reset link at least) went out through SES (moto).
    import sqlalchemy as sa

    engine = sa.create_engine(runtime_database)
    with engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT status FROM email_outbox")).scalars().all()
        erin = conn.execute(sa.text("SELECT status FROM users WHERE username = 'erin'")).scalar()
    engine.dispose()
    assert statuses and set(statuses) == {"sent"}
    assert erin == "pending"
    assert all(m["logger"] for lines in messages.values() for m in lines)
