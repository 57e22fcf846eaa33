"""Playwright for Python driving Debian's Chromium against taskdesk served from a thread.

The app (the suite's session app, on the test database) is served by werkzeug on a free
127.0.0.1 port. The browser is /usr/bin/chromium (scripts/ensure-chromium.sh installs it);
Playwright never downloads one. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


class Server:
    """A WSGI app served on 127.0.0.1 in a daemon thread."""

    def __init__(self, wsgi_app) -> None:
        self._server = make_server("127.0.0.1", 0, wsgi_app, threaded=False)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app) -> Iterator[Server]:
    """taskdesk on a free port. Cookies drop Secure here: the test server speaks plain http."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh")
    saved = {k: app.config[k] for k in ("JWT_COOKIE_SECURE", "SESSION_COOKIE_SECURE")}
    app.config.update(JWT_COOKIE_SECURE=False, SESSION_COOKIE_SECURE=False)
    server = Server(app)
    try:
        yield server
    finally:
        server.stop()
        app.config.update(saved)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Shots:
    """Save one full-page screenshot per name under artifacts/screenshots/."""

    def __init__(self) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    def __call__(self, page, name: str) -> None:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)


@pytest.fixture
def shots() -> Shots:
    return Shots()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def open_page(
    chromium,
    app,
    base: str,
    user=None,
    *,
    viewport: dict[str, int] = DESKTOP,
    dark: bool = False,
    timezone_id: str | None = None,
):
    """A new browser page at `viewport` in the light or dark scheme, signed in as `user` (its
    cookies set from a freshly minted token pair: no sign-in form, no rate limit) or not."""
    from api.auth.tokens import issue_pair

    options: dict[str, object] = {
        "base_url": base,
        "viewport": viewport,
        "color_scheme": "dark" if dark else "light",
    }
    if timezone_id:
        options["timezone_id"] = timezone_id
    context = chromium.new_context(**options)
    context.set_default_timeout(8000)
    if user is not None:
        tokens = issue_pair(user)
        context.add_cookies(
            [
                {"name": app.config[name], "value": tokens[key], "url": base}
                for name, key in (
                    ("JWT_ACCESS_COOKIE_NAME", "access_token"),
                    ("JWT_REFRESH_COOKIE_NAME", "refresh_token"),
                )
            ]
        )
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def open_phone_menu(page) -> None:
    """Open the collapsed navigation at phone size and wait until its opening animation is over:
    Bootstrap marks the menu `.collapse.show` only then, and a click on an item during the
    animation can land before the menu is ready (the account dropdown then never opens)."""
    page.get_by_role("button", name="Toggle navigation").click()
    page.locator("#main-nav.collapse.show").wait_for()


def open_admin_menu(page) -> None:
    """Open the navbar's Admin menu (registrations, users, email outbox, webhooks)."""
    page.get_by_test_id("admin-menu").click()
    page.locator("#admin-menu[aria-expanded=true]").wait_for()
