"""A real OpenID Provider for the single sign-on tests: oidc-provider (npm), started per module.

tests/oidc/provider.mjs runs on 127.0.0.1 on a free port, knows one client (taskdesk) whose
redirect URIs are given, and exits by itself after OP_LIFETIME_SECONDS; the fixture stops it
when the tests are done. `OpenIDProvider.sign_in` plays the person at the provider's login and
consent pages with requests and returns the URL the provider sends the browser back to.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from api.auth.oidc_settings import Provider

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "taskdesk"
CLIENT_SECRET = "taskdesk-test-client-secret-0123456789"
APP_BASE_URL = "http://taskdesk.test"  # the HTTP tests never connect to it: they read Location
START_TIMEOUT = 20  # seconds to wait for the provider's first line
FORM_RE = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class OpenIDProvider:
    """One oidc-provider process; `issuer` is its http://127.0.0.1:<port> URL."""

    def __init__(self, redirect_uris: list[str]) -> None:
        if not (ROOT / "node_modules" / "oidc-provider").is_dir():
            pytest.fail("node_modules/oidc-provider is missing: run scripts/ensure-node-tools.sh")
        clients = [
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris}
        ]
        env = {**os.environ, "OP_CLIENTS": json.dumps(clients), "OP_LIFETIME_SECONDS": "900"}
        self.process = subprocess.Popen(
            [shutil.which("node") or "node", str(SCRIPT)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        ready, _, _ = select.select([self.process.stdout], [], [], START_TIMEOUT)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.stop()
            pytest.fail("oidc-provider did not start within the time allowed")
        self.issuer = json.loads(line)["issuer"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def provider(self, **fields: Any) -> Provider:
        """taskdesk's settings for this provider (name corp, label Corp ID)."""
        settings = {
            "name": "corp",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "label": "Corp ID",
        }
        settings.update(fields)
        return Provider(**settings)

    def tamper(self, **claims: Any) -> None:
        """Replace these claims in the next ID token the provider issues (re-signed)."""
        response = requests.post(f"{self.issuer}/__test__/tamper", json=claims, timeout=10)
        assert response.status_code == 204

    def sign_in(self, authorize_url: str, login: str, browser: requests.Session) -> str:
        """Sign in as `login` and consent where asked; return the URL back to taskdesk.

        `browser` keeps the provider's cookies: a second sign-in in it skips login and consent.
        """
        url = authorize_url
        for _ in range(12):
            if not url.startswith(self.issuer):
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
            while response.status_code == 200 and "<form" in response.text:
                action, body = FORM_RE.search(response.text).groups()
                data = {name: unescape(value) for name, value in HIDDEN_RE.findall(body)}
                if data.get("prompt") == "login":
                    data.update(login=login, password="any password")
                response = browser.post(
                    urljoin(url, unescape(action)), data=data, allow_redirects=False, timeout=10
                )
            assert response.status_code in (302, 303), response.text[:500]
            url = urljoin(url, response.headers["Location"])
        raise AssertionError("the provider kept redirecting")


@pytest.fixture(scope="module")
def op() -> Iterator[OpenIDProvider]:
    """A provider for the HTTP-level tests (callback under APP_BASE_URL)."""
    provider = OpenIDProvider([f"{APP_BASE_URL}/sign-in/oidc/corp/callback"])
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def sso(app, op) -> Iterator[Provider]:
    """The session app configured with the provider `op` (and APP_BASE_URL to match)."""
    keys = ("OIDC_PROVIDERS", "APP_BASE_URL", "OIDC_AUTO_APPROVE_DOMAINS", "PASSWORD_SIGN_IN")
    saved = {key: app.config[key] for key in keys}
    provider = op.provider()
    app.config.update(OIDC_PROVIDERS=(provider,), APP_BASE_URL=APP_BASE_URL)
    try:
        yield provider
    finally:
        app.config.update(saved)
