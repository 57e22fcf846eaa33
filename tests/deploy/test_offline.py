"""taskdesk through the emulated HTTP API: `osls offline start` (serverless-offline 13) runs
handlers/http.handler with payload 2.0 events, against MariaDB, sending mail to a moto SES.

One journey: register -> the admin approves -> the employee signs in through the web form
(cookies) -> a manager creates and assigns a task -> the employee, on cookies alone, completes it.
The production cookie attributes (Secure, HttpOnly, SameSite) must survive the emulated API
Gateway, which is why package.json pins @hapi/statehood 8.2.0.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from tests.deploy.conftest import (
    JWT_SECRET_KEY,
    ROOT,
    SECRET_KEY,
    VENV_BIN,
    base_env,
    free_port,
    invoke_local,
    node_tool,
)

ADMIN_PASSWORD = "Offline-admin-passphrase-2026"
PASSWORD = "correct horse battery staple 2026"
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "fake-offline",
    "AWS_SECRET_ACCESS_KEY": "fake-offline",
    "AWS_REGION": "us-east-1",
}


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


@dataclass
class Browser:
    """A client that keeps cookies like a browser would over HTTPS (Secure ones included)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method, path, *, json_body=None, form=None, headers=None) -> Response:
        sent = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            response = Response(raw.status, raw.getheaders(), raw.read())
        finally:
            conn.close()
        for header in response.all("Set-Cookie"):
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def csrf(self) -> str:
        """The access token's CSRF value (the cookie, or the token's `csrf` claim)."""
        if "csrf_access_token" in self.cookies:
            return self.cookies["csrf_access_token"]
        payload = self.cookies["access_token_cookie"].split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["csrf"]


def _wait_for(port: int, process: subprocess.Popen, log, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"process exited early:\n{log.read().decode()[-3000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        with contextlib.suppress(OSError), contextlib.closing(conn):
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        time.sleep(0.3)
    log.seek(0)
    pytest.fail(f"nothing answered on {port}:\n{log.read().decode()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def running_moto_server(log_dir: Path) -> Iterator[str]:
    """A `moto_server` process on 127.0.0.1 and a free port (log in `log_dir`); its URL.

    Always stopped, with its process group, when the block ends.
    """
    port = free_port()
    log = (log_dir / "moto.log").open("w+b")
    process = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)
        log.close()


@pytest.fixture(scope="module")
def moto_ses(tmp_path_factory) -> Iterator[str]:
    """A moto server standing in for SES, with example.com verified; its URL."""
    import boto3

    with running_moto_server(tmp_path_factory.mktemp("moto")) as url:
        boto3.client(
            "ses",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="fake-offline",
            aws_secret_access_key="fake-offline",
        ).verify_domain_identity(Domain="example.com")
        yield url


def _set_password_from_the_reset_link(
    database_url: str, email: str, password: str, moto_url: str | None = None
) -> None:
    """Follow the reset link the admin function emailed, in-process.

    The link is read from the outbox row while the email waits there; once it was sent the row's
    body is cleared (it held a single-use credential), so the link is read from the message that
    SES (`moto_url`'s moto_server) accepted.
    """
    import json as _json
    import re as _re
    import urllib.request as _request

    import sqlalchemy as sa

    from api import create_app
    from api.auth import service as auth

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        body = conn.execute(
            sa.text("SELECT body_text FROM email_outbox WHERE recipient = :to"), {"to": email}
        ).scalar_one()
    engine.dispose()
    found = _re.search(r"token=([\w.\-]+)", body)
    if found is None and moto_url is not None:
        with _request.urlopen(f"{moto_url}/moto-api/data.json", timeout=10) as response:
            sent = _json.load(response).get("ses", {}).get("Message", [])
        bodies = [m["body"] for m in sent if email in m["destinations"].get("ToAddresses", [])]
        found = next(filter(None, (_re.search(r"token=([\w.\-]+)", b) for b in bodies)), None)
    assert found is not None, f"no reset link for {email} in the outbox or in SES"
    token = found.group(1)
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": SECRET_KEY,
            "JWT_SECRET_KEY": JWT_SECRET_KEY,
        }
    )
    with app.app_context():
        auth.confirm_password_reset(token=token, new_password=password)
        from api.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def offline(migrated_database, moto_ses, tmp_path_factory) -> Iterator[int]:
    """`osls offline start --stage dev` on a free port; the HTTP port."""
    # The first admin, as on AWS: the `admin` function (handlers/admin.py).
    # No password in the event: the admin sets one from the emailed reset link.
    created = invoke_local(
        "admin", {"email": "root@example.com", "username": "root"}, migrated_database
    )
    assert created.returncode == 0, created.stdout + created.stderr
    assert '"username": "root"' in created.stdout
    _set_password_from_the_reset_link(migrated_database, "root@example.com", ADMIN_PASSWORD)
    port, lambda_port = free_port(), free_port()
    log = (tmp_path_factory.mktemp("offline") / "offline.log").open("w+b")
    started = time.monotonic()
    process = subprocess.Popen(
        [
            node_tool("osls"),
            "offline",
            "start",
            "--stage",
            "dev",
            "--httpPort",
            str(port),
            "--lambdaPort",
            str(lambda_port),
        ],
        cwd=ROOT,
        env=base_env(
            DATABASE_URL=migrated_database,
            SECRET_KEY=SECRET_KEY,
            JWT_SECRET_KEY=JWT_SECRET_KEY,
            APP_BASE_URL=f"http://127.0.0.1:{port}",
            MAIL_FROM="taskdesk <no-reply@example.com>",
            SES_ENDPOINT_URL=moto_ses,
            MAIL_MAX_SEND_RATE="14",
            **FAKE_AWS,
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(port, process, log)
        print(f"\nosls offline ready in {time.monotonic() - started:.1f} s")
        yield port
    finally:
        _stop(process)


def _sign_in_with_the_form(browser: Browser, login: str, password: str) -> Response:
    page = browser.request("GET", "/sign-in")
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.body).group(1).decode()
    return browser.request(
        "POST",
        "/sign-in",
        form={"login": login, "password": password, "csrf_token": token, "next": "/"},
    )


def test_register_approve_sign_in_and_complete_a_task(offline, migrated_database):
    api = Browser(offline)
    admin_login = api.request(
        "POST", "/api/v1/auth/login", json_body={"login": "root", "password": ADMIN_PASSWORD}
    )
    admin = {"Authorization": f"Bearer {admin_login.json()['access_token']}"}

    for username, role in (("erin", "employee"), ("mona", "manager")):
        reply = api.request(
            "POST",
            "/api/v1/auth/register",
            json_body={
                "email": f"{username}@example.com",
                "username": username,
                "password": PASSWORD,
                "requested_role": role,
            },
        )
        assert reply.status == 202, reply.body
    pending = api.request("GET", "/api/v1/users/pending", headers=admin).json()["items"]
    registered = {person["username"]: person["id"] for person in pending}
    pending_login = api.request(
        "POST", "/api/v1/auth/login", json_body={"login": "erin", "password": PASSWORD}
    )
    approvals = [
        api.request(
            "PUT",
            f"/api/v1/users/{person['id']}/approve",
            json_body={"role": person["requested_role"]},
            headers=admin,
        )
        for person in pending
    ]

    employee, manager = Browser(offline), Browser(offline)
    signed_in = _sign_in_with_the_form(employee, "erin", PASSWORD)
    _sign_in_with_the_form(manager, "mona", PASSWORD)
    created = manager.request(
        "POST",
        "/api/v1/tasks",
        json_body={"title": "Renew the TLS certificate", "priority": "high"},
        headers={"X-CSRF-TOKEN": manager.csrf()},
    )
    task_id = created.json()["id"]
    without_csrf = manager.request(
        "PUT", f"/api/v1/tasks/{task_id}/assign", json_body={"assignee_id": registered["erin"]}
    )
    assigned = manager.request(
        "PUT",
        f"/api/v1/tasks/{task_id}/assign",
        json_body={"assignee_id": registered["erin"]},
        headers={"X-CSRF-TOKEN": manager.csrf()},
    )
    mine = employee.request("GET", "/api/v1/tasks/mine")
    started = employee.request(
        "PUT",
        f"/api/v1/tasks/{task_id}/status",
        json_body={"status": "in_progress"},
        headers={"X-CSRF-TOKEN": employee.csrf()},
    )
    completed = employee.request(
        "PUT",
        f"/api/v1/tasks/{task_id}/status",
        json_body={"status": "completed"},
        headers={"X-CSRF-TOKEN": employee.csrf()},
    )

    assert admin_login.status == 200
    assert pending_login.status in (401, 403)
    assert [r.status for r in approvals] == [200, 200]
    assert [r.json()["status"] for r in approvals] == ["active", "active"]
    # Several Set-Cookie headers, each with its attributes, came through the emulated API.
    assert signed_in.status in (302, 303)
    cookies = {c.split("=", 1)[0]: c for c in signed_in.all("Set-Cookie")}
    assert {"access_token_cookie", "refresh_token_cookie"} <= set(cookies)
    for name in ("access_token_cookie", "refresh_token_cookie"):
        attributes = {a.strip().lower() for a in cookies[name].split(";")[1:]}
        assert {"secure", "httponly", "path=/", "samesite=lax"} <= attributes, cookies[name]
    assert created.status == 201, created.body
    assert without_csrf.status == 401
    assert assigned.status == 200, assigned.body
    assert assigned.json()["assignee"]["id"] == registered["erin"]
    assert mine.status == 200
    assert [t["id"] for t in mine.json()["items"]] == [task_id]
    assert started.status == 200 and completed.status == 200, completed.body
    assert completed.json()["status"] == "completed"

    engine = sa.create_engine(migrated_database)
    try:
        with engine.connect() as conn:
            task = conn.execute(
                sa.text("SELECT status, assignee_id, completed_at FROM tasks WHERE id = :id"),
                {"id": task_id},
            ).one()
            users = dict(conn.execute(sa.text("SELECT username, status FROM users")).all())
            actions = (
                conn.execute(
                    sa.text(
                        "SELECT action FROM activity WHERE entity_type = 'task' "
                        "AND entity_id = :id ORDER BY id"
                    ),
                    {"id": task_id},
                )
                .scalars()
                .all()
            )
            # The admin's reset link was queued by `invoke local`, which has no SES.
            mail = (
                conn.execute(
                    sa.text("SELECT status FROM email_outbox WHERE recipient <> 'root@example.com'")
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert task.status == "completed"
    assert task.assignee_id == registered["erin"]
    assert task.completed_at is not None
    assert users == {"root": "active", "erin": "active", "mona": "active"}
    assert len(actions) >= 3
    # Mail went out through the SES backend (moto standing in for SES), none left failing.
    assert mail and set(mail) == {"sent"}
