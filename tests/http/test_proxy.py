"""The container setup does not expose a bare gunicorn (issue: slow bodies, header-less errors).

Docker cannot run here, so these tests read the files: docker-compose.yml publishes only the
nginx proxy; nginx/taskdesk.conf (parsed by crossplane, NGINX's own parser) buffers whole
requests with timeouts, enforces the body limit of the app, overwrites X-Forwarded-For for the
one hop the app trusts, and stamps api.security's headers on every answer, its own errors and
gunicorn's included; gunicorn.conf.py sets its request limits and worker class on purpose.
A real gunicorn with that configuration then shows its limits answering.
"""

from __future__ import annotations

import http.client
import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path

import crossplane
import pytest
import yaml
from gunicorn.config import KNOWN_SETTINGS

from api.config import BaseConfig
from api.security import security_headers

ROOT = Path(__file__).resolve().parents[2]
NGINX = ROOT / "nginx" / "taskdesk.conf"


def _directives(block: list[dict], name: str) -> list[list[str]]:
    return [d["args"] for d in block if d["directive"] == name]


def _one(block: list[dict], name: str) -> list[str]:
    [args] = _directives(block, name)
    return args


@pytest.fixture(scope="module")
def nginx() -> dict[str, list[dict]]:
    parsed = crossplane.parse(str(NGINX), single=True, check_ctx=False, comments=False)
    assert parsed["status"] == "ok", parsed["errors"]
    top = parsed["config"][0]["parsed"]
    [server] = [d["block"] for d in top if d["directive"] == "server"]
    [location] = [d["block"] for d in server if d["directive"] == "location"]
    return {"top": top, "server": server, "location": location}


def _size(text: str) -> int:
    units = {"k": 1024, "m": 1024 * 1024}
    return int(text[:-1]) * units[text[-1].lower()] if text[-1].isalpha() else int(text)


def test_compose_publishes_the_proxy_only():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["web"]["expose"] == ["8000"]
    assert services["web"]["environment"]["PROXY_FIX_X_FOR"] == "1"
    assert services["web"]["environment"]["TASKDESK_ENV"] == "production"
    source, target, mode = services["proxy"]["volumes"][0].split(":")
    assert (ROOT / source).resolve() == NGINX and mode == "ro"
    assert target == "/etc/nginx/conf.d/default.conf"
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert services["proxy"]["image"].startswith("nginx:")


def test_nginx_reads_whole_requests_before_gunicorn_sees_them(nginx):
    server, location = nginx["server"], nginx["location"]
    assert _one(location, "proxy_pass") == ["http://taskdesk"]
    assert _one(location, "proxy_request_buffering") == ["on"]
    for timeout in ("client_body_timeout", "client_header_timeout"):
        [value] = _one(server, timeout)
        assert 0 < int(value.rstrip("s")) <= 10
    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert int(_one(location, "proxy_read_timeout")[0].rstrip("s")) > gunicorn["timeout"]


def test_nginx_enforces_the_apps_body_limit(nginx):
    [limit] = _one(nginx["server"], "client_max_body_size")
    assert _size(limit) == BaseConfig.MAX_CONTENT_LENGTH


def test_nginx_sends_one_hop_of_forwarded_for(nginx):
    headers = {args[0]: args[1] for args in _directives(nginx["location"], "proxy_set_header")}
    assert headers["X-Forwarded-For"] == "$remote_addr"  # overwritten: a client cannot spoof
    assert headers["X-Forwarded-Proto"] == "$scheme"


def test_every_answer_carries_the_security_headers(nginx):
    """The same headers as api.security, each added `always` (errors too), the app's hidden."""
    expected = security_headers(BaseConfig.HSTS_SECONDS)
    added = {args[0]: args[1:] for args in _directives(nginx["server"], "add_header")}
    assert {name: values[0] for name, values in added.items()} == expected
    assert all(values[1:] == ["always"] for values in added.values())
    hidden = {args[0] for args in _directives(nginx["server"], "proxy_hide_header")}
    assert hidden == set(expected)
    assert not _directives(nginx["location"], "add_header")  # would drop the server's
    assert _one(nginx["top"], "server_tokens") == ["off"]


def test_gunicorn_limits_are_set_on_purpose(nginx):
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    chosen = {
        "worker_class": "gthread",
        "limit_request_line": 4094,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
    }
    names = {setting.name for setting in KNOWN_SETTINGS}
    for name, value in chosen.items():
        assert name in names
        assert settings[name] == value, name
    count, size = _one(nginx["server"], "large_client_header_buffers")
    assert int(count) * _size(size) >= settings["limit_request_field_size"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_with_this_configuration_refuses_long_lines_and_many_fields(tmp_path):
    """gunicorn's own answers (no app, no headers): why it stays behind the proxy."""
    port = _free_port()
    app = tmp_path / "hello.py"
    app.write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'ok']\n"
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            "1",
            "--chdir",
            str(tmp_path),
            "hello:app",
        ],
        env={**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.1)

        def status(path: str, headers: dict[str, str]) -> tuple[int, str | None]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            return response.status, response.getheader("Content-Security-Policy")

        assert status("/", {}) == (200, None)
        assert status("/" + "a" * 5000, {})[0] in (400, 414)
        many = {f"X-Field-{n}": "1" for n in range(120)}
        assert status("/", many)[0] in (400, 431)
        assert status("/", {"X-Big": "b" * 9000})[0] in (400, 431)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
