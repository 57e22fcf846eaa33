"""Outbox fixtures: rows read back, a mail backend switch, moto SES in-process and as a server,
a movable lease clock, and a proxy that loses SES's answers."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api.extensions import db
from api.notifications.models import OutboxEmail

SENDER = "taskdesk <no-reply@taskdesk.example>"


def outbox_rows(**where: Any) -> list[OutboxEmail]:
    """Every outbox row (fresh from the database), oldest first, filtered by column values."""
    db.session.expire_all()
    stmt = sa.select(OutboxEmail).order_by(OutboxEmail.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(OutboxEmail, name) == value)
    return list(db.session.scalars(stmt))


class LeaseClock:
    """Moves the lease clock (the database's time as every worker reads it) forward."""

    def __init__(self, monkeypatch) -> None:
        from api import leases

        self.clock = leases.clock
        monkeypatch.setattr(self.clock, "shift_seconds", 0.0)

    def advance(self, seconds: float) -> None:
        self.clock.shift_seconds += seconds

    def past_lease(self, app) -> None:
        """Move the clock just past the end of every lease taken so far."""
        self.advance(app.config["OUTBOX_LEASE_SECONDS"] + 1)


@pytest.fixture
def lease_clock(monkeypatch) -> LeaseClock:
    """The lease clock, movable for one test (back where it was afterwards)."""
    return LeaseClock(monkeypatch)


@pytest.fixture
def mail(app, monkeypatch) -> Iterator[Any]:
    """Switch mail settings for one test: `mail(MAIL_BACKEND="ses", ...)`; caches are reset."""

    def configure(**settings: Any) -> None:
        for key, value in settings.items():
            monkeypatch.setitem(app.config, key, value)
        app.extensions.pop("mail_backends", None)

    configure(MAIL_FROM=SENDER)
    yield configure
    app.extensions.pop("mail_backends", None)


class SesInbox:
    """Messages moto's SES accepted, in order: (recipient, subject, html body)."""

    def __init__(self) -> None:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        self.backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]

    @property
    def messages(self) -> list[Any]:
        return list(self.backend.sent_messages)

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if address in m.destinations.get("ToAddresses", [])]

    def subjects(self, address: str) -> list[str]:
        return [m.subject for m in self.to(address)]


@pytest.fixture
def ses(app, mail) -> Iterator[SesInbox]:
    """moto's SES in-process, the sender verified, MAIL_BACKEND=ses."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        boto3.client("sesv2", region_name="us-east-1").create_email_identity(
            EmailIdentity="no-reply@taskdesk.example"
        )
        mail(MAIL_BACKEND="ses", SES_ENDPOINT_URL="", AWS_REGION="us-east-1")
        yield SesInbox()


MOTO_SENDER = "no-reply@taskdesk.example"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _moto_server_command(port: int) -> list[str]:
    """`moto_server` from this interpreter's environment (the moto[server] extra)."""
    script = Path(sys.executable).with_name("moto_server")
    found = str(script) if script.exists() else shutil.which("moto_server")
    if not found:
        pytest.fail('moto_server is missing: pip install -r requirements-dev.txt ("moto[server]")')
    return [found, "-H", "127.0.0.1", "-p", str(port)]


@pytest.fixture(scope="session")
def moto_server_url() -> Iterator[str]:
    """A `moto_server` subprocess on 127.0.0.1 and a free port; its base URL. Always stopped."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        _moto_server_command(port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60  # readiness wait, not a timing assertion
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                pytest.fail(f"moto_server exited with {process.returncode}: {error[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail("moto_server did not answer within 60 s")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


class MotoServerInbox:
    """What the moto_server process's SES accepted, read over HTTP from /moto-api/data.json.

    moto 5.2 lists every tracked model instance there; SES (v1 and v2, which shares v1's
    backend) records each sent email as a `Message` with `id`, `source`, `destinations`
    (`{"ToAddresses": [...]}`), `subject` and `body` (the HTML part when there is one).
    """

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def messages(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=10) as response:
            data = json.load(response)
        return list(data.get("ses", {}).get("Message", []))

    def to(self, address: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if address in m["destinations"].get("ToAddresses", [])]

    def subjects(self, address: str) -> list[str]:
        return [m["subject"] for m in self.to(address)]


@pytest.fixture
def ses_server(app, mail, moto_server_url) -> Iterator[MotoServerInbox]:
    """MAIL_BACKEND=ses against the moto_server process: state reset, the sender verified."""
    import boto3

    reset = urllib.request.Request(f"{moto_server_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=10).close()
    boto3.client(
        "sesv2", region_name="us-east-1", endpoint_url=moto_server_url
    ).create_email_identity(EmailIdentity=MOTO_SENDER)
    mail(MAIL_BACKEND="ses", SES_ENDPOINT_URL=moto_server_url, AWS_REGION="us-east-1")
    yield MotoServerInbox(moto_server_url)


class AnswerLosingProxy:
    """An HTTP proxy on 127.0.0.1 in front of `moto_server` that loses SES's answers.

    Every request is forwarded to moto_server, which processes it. For the first `lose` SendEmail
    requests (sesv2 `POST /v2/email/outbound-emails`) the proxy then resets the client's
    connection (SO_LINGER 0) instead of passing the answer on: SES accepted the message, the
    sender never hears so. `lost_for` counts the lost answers by recipient. Threads are daemons
    with socket timeouts, and `close()` stops the accept loop.
    """

    def __init__(self, upstream: str, lose: int) -> None:
        self.upstream = urllib.parse.urlsplit(upstream)
        self.lose = lose
        self.lost_for: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.server.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_request(conn: socket.socket, buffer: bytes) -> tuple[bytes, bytes, bytes] | None:
        """(head, body, rest of the buffer) of the next request, or None at end of stream."""
        while b"\r\n\r\n" not in buffer:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buffer += chunk
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(buffer) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buffer += chunk
        return head, buffer[:length], buffer[length:]

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        buffer = b""
        try:
            while not self.stopping.is_set():
                request = self._read_request(conn, buffer)
                if request is None:
                    return
                head, body, buffer = request
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
                upstream = http.client.HTTPConnection(
                    self.upstream.hostname, self.upstream.port, timeout=10
                )
                try:
                    upstream.request(method, path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    payload = answer.read()
                finally:
                    upstream.close()
                if method == "POST" and path.endswith("/v2/email/outbound-emails"):
                    to = json.loads(body)["Destination"]["ToAddresses"][0]
                    with self.lock:
                        lose = sum(self.lost_for.values()) < self.lose
                        if lose:
                            self.lost_for[to] = self.lost_for.get(to, 0) + 1
                    if lose:
                        conn.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                        )
                        return
                skip = {"transfer-encoding", "connection", "content-length"}
                kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in skip]
                out = [f"HTTP/1.1 {answer.status} {answer.reason}"]
                out += [f"{k}: {v}" for k, v in kept]
                out += [f"Content-Length: {len(payload)}", "", ""]
                conn.sendall("\r\n".join(out).encode("latin-1") + payload)
        except OSError:
            return
        finally:
            conn.close()


@pytest.fixture
def answer_losing_proxy(moto_server_url) -> Iterator[Any]:
    """Factory: `answer_losing_proxy(lose=n)` starts an AnswerLosingProxy; all are closed after."""
    proxies: list[AnswerLosingProxy] = []

    def start(*, lose: int) -> AnswerLosingProxy:
        proxies.append(AnswerLosingProxy(moto_server_url, lose))
        return proxies[-1]

    yield start
    for proxy in proxies:
        proxy.close()
