"""The 500 page in a real browser: styled, no traceback, the request id to quote to support."""

from __future__ import annotations

import pytest

from api import create_app
from tests.browser.conftest import Server

pytestmark = pytest.mark.browser

FAILURE = "view failed on purpose for the 500 page test"


def test_an_unexpected_error_shows_the_500_page(chromium, shots, database_url):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url})

    def failing_view():
        raise RuntimeError(FAILURE)

    # A real UI endpoint, so the request belongs to a UI blueprint and gets the HTML page.
    app.view_functions["auth_web.sign_in"] = failing_view
    server = Server(app)
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        response = page.goto(f"{server.url}/sign-in")
        assert response.status == 500
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        text = page.inner_text("body")
        assert page.locator("h1").count() == 1
        assert "Request id" in text
        assert FAILURE not in text and "Traceback" not in text
        shots(page, "error-500")
    finally:
        context.close()
        server.stop()
