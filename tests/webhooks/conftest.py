"""A webhook receiver on 127.0.0.1 (a small threaded HTTP server) and webhook helpers."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from api.extensions import db
from api.webhooks.models import Webhook
from api.webhooks.service import new_secret


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every POST; answers with `status` (and `location` for a redirect)."""

    port: int = 0
    status: int = 200
    location: str | None = None
    requests: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/taskdesk"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(receiver.status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            text = b"ok" if receiver.status < 400 else b"receiver says: boom " * 100
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        do_GET = do_POST  # a followed redirect would arrive as a GET

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver on a free 127.0.0.1 port, stopped after the test."""
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def development(app, monkeypatch) -> None:
    """Development mode for webhooks: http and loopback targets accepted."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_LOCAL", True)


@pytest.fixture
def dns(monkeypatch) -> dict[str, str]:
    """Names to resolve in tests: `dns["hooks.example.test"] = "127.0.0.1"`; other names
    resolve as usual."""
    table: dict[str, str] = {}
    real = socket.getaddrinfo

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in table:
            family = socket.AF_INET6 if ":" in table[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (table[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return table


@pytest.fixture
def webhook(app) -> Callable[..., Webhook]:
    """`webhook(url, events=[...], format="standard")`: a webhook row, committed."""

    def create(url: str, events: list[str], **fields: Any) -> Webhook:
        hook = Webhook(url=url, event_types=" ".join(events), secret=new_secret(), **fields)
        db.session.add(hook)
        db.session.commit()
        return hook

    return create
