"""HTML error pages for UI requests; /api/v1 keeps the JSON envelope (api/errors.py decides)."""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask, Response, g, make_response, render_template

from api.errors import HTML_ERRORS
from api.web.blueprints import is_web_request
from api.web.session import redirect_to_sign_in

TITLES = {
    400: "That request could not be understood",
    403: "You may not open this page",
    404: "Page not found",
    405: "That action is not available here",
    409: "That change conflicts with the current state",
    412: "Someone else changed this first",
    413: "That upload is too large",
    422: "Some fields need another look",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}
# Messages safe to show for these codes whatever the exception said.
FIXED_MESSAGES = {
    404: "The page you asked for does not exist, or you may not see it.",
    500: "The error has been logged. Please try again in a moment.",
}


def render_error_page(
    code: int, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """Render templates/errors/<page>.html with `code`; a 401 sends the person to sign in.

    404 and 500 always show a fixed message (no detail about what exists or what broke); a 500
    shows the request id so that support can find the log line.
    """
    if code == 401:
        return redirect_to_sign_in()
    template = "errors/404.html" if code == 404 else "errors/500.html" if code >= 500 else None
    phrase = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error"
    body = render_template(
        template or "errors/error.html",
        code=code,
        title=TITLES.get(code, phrase),
        message=FIXED_MESSAGES.get(code) or message or phrase,
        request_id=g.get("request_id", "-"),
    )
    response = make_response(body, code)
    for key, value in (headers or {}).items():
        if key.lower() not in ("content-type", "www-authenticate"):
            response.headers[key] = value
    return response


class HtmlErrors:
    """The UI's error pages, registered for api/errors.py (app.extensions[HTML_ERRORS])."""

    @staticmethod
    def wants_html() -> bool:
        return is_web_request()

    @staticmethod
    def render(code: int, message: str | None, headers: dict | None) -> Response:
        return render_error_page(code, message, headers)


def register(app: Flask) -> None:
    """Let api/errors.py answer the UI's requests with these pages."""
    app.extensions[HTML_ERRORS] = HtmlErrors()
