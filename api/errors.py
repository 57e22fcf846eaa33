"""Domain errors and the one JSON error envelope (shared/design.md §4).

Services raise the `DomainError` subclasses below; `register_error_handlers` maps them, every
werkzeug HTTPException and IntegrityError to `{"code", "status", "message", "errors"?}`. A 500 rolls
the session back, is logged with the request id, and shows the client no traceback.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, Protocol

from flask import Flask, Response, current_app, g, has_request_context, jsonify
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from api.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule said no. `errors` maps location → field → messages, as webargs does."""

    code = 400

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or HTTPStatus(self.code).phrase)
        self.message = message or HTTPStatus(self.code).phrase
        self.errors = errors
        self.headers = headers or {}


class BadRequest(DomainError):
    code = 400


class Unauthorized(DomainError):
    """401; carries the Bearer challenge, which every 401 must send (RFC 9110 §15.5.2)."""

    code = 401

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.headers = {"WWW-Authenticate": 'Bearer realm="taskdesk"', **self.headers}


class Forbidden(DomainError):
    code = 403


class NotFound(DomainError):
    code = 404


class Conflict(DomainError):
    code = 409


class PreconditionFailed(DomainError):
    code = 412


class Unprocessable(DomainError):
    code = 422

    @classmethod
    def field(cls, field: str, message: str, location: str = "json") -> Unprocessable:
        """An error on one input field, shaped like the schema validation errors.

        `message` is written for people and names the field ("Enter your current password
        correctly."): it is both the error's message and the field's.
        """
        return cls(message, errors={location: {field: [message]}})


class TooManyRequests(DomainError):
    code = 429


def envelope(code: int, message: str | None = None, errors: Any = None) -> dict[str, Any]:
    """Build the error body: {"code": 404, "status": "Not Found", "message": ..., "errors"?}."""
    status = HTTPStatus(code).phrase
    body: dict[str, Any] = {
        "code": code,
        "status": status,
        "message": message or status,
    }
    if errors:
        body["errors"] = errors
    return body


def error_response(
    code: int,
    message: str | None = None,
    errors: Any = None,
    headers: dict | None = None,
) -> Response:
    """The error as the caller expects it: the JSON envelope, or an HTML page for the UI.

    The UI registers an `HtmlErrors` under `app.extensions[HTML_ERRORS]` (api/web/errors.py):
    its `wants_html()` decides by blueprint (UI pages and unknown paths outside /api/ get
    templates/errors/*.html) and its `render` draws the page; without it, and under /api/,
    the answer is the envelope.
    """
    html = _html_errors()
    if html is not None:
        return html.render(code, message, headers)
    response = jsonify(envelope(code, message, errors))
    response.status_code = code
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


HTML_ERRORS = "taskdesk.html_errors"  # app.extensions key of the UI's HtmlErrors


class HtmlErrors(Protocol):
    """What the UI registers to answer its requests' errors with pages, not the envelope."""

    def wants_html(self) -> bool: ...

    def render(self, code: int, message: str | None, headers: dict | None) -> Response: ...


def _html_errors() -> HtmlErrors | None:
    """The UI's HtmlErrors when this request is answered in HTML, else None."""
    if not has_request_context():
        return None
    html = current_app.extensions.get(HTML_ERRORS)
    return html if html is not None and html.wants_html() else None


def _handle_domain(error: DomainError) -> Response:
    db.session.rollback()
    return error_response(error.code, error.message, error.errors, error.headers)


def _handle_http(error: HTTPException) -> Response:
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    message = data.get("message") or (error.description if code != 500 else None)
    if messages and code == 422:
        messages = _humane_locations(messages)
        message = _one_message(messages) or "The request has invalid fields: see errors."
    if messages and code == 400 and "json" in messages:
        message = "The request body is not valid JSON."
    headers = dict(data.get("headers") or {})
    if error.response is None:
        headers.update({k: v for k, v in error.get_headers() if k.lower() != "content-type"})
    return error_response(code, message, messages, headers)


def _humane_locations(messages: Any) -> Any:
    """The 422's {location: {field: [messages]}} in the user's words (api/schemas.py)."""
    from flask import request

    from api.schemas import humane_errors

    if not isinstance(messages, dict) or not has_request_context():
        return messages
    sources = {
        "json": lambda: request.get_json(silent=True),
        "query": lambda: request.args.to_dict(),
        "form": lambda: request.form.to_dict(),
    }
    return {
        location: humane_errors(fields, sources[location]() if location in sources else None)
        for location, fields in messages.items()
    }


def _one_message(messages: Any) -> str | None:
    """The single message of a 422 with one field and one message, to show as its message."""
    flat = [
        text
        for fields in messages.values()
        if isinstance(fields, dict)
        for texts in fields.values()
        if isinstance(texts, list)
        for text in texts
        if isinstance(text, str)
    ]
    fields_count = sum(len(f) for f in messages.values() if isinstance(f, dict))
    return flat[0] if len(flat) == 1 and fields_count == 1 else None


def _handle_integrity(error: IntegrityError) -> Response:
    db.session.rollback()
    log.info("integrity error mapped to 409: %s", error.orig)
    return error_response(409, "The change conflicts with existing data.")


def _handle_stale(error: StaleDataError) -> Response:
    db.session.rollback()
    return error_response(412, "The resource changed since you read it; fetch it and retry.")


def _handle_unexpected(error: Exception) -> Response:
    db.session.rollback()
    request_id = getattr(g, "request_id", "-")
    log.exception("unhandled error (request id %s)", request_id)
    return error_response(500, f"An unexpected error occurred (request id {request_id}).")


def register_error_handlers(app: Flask) -> None:
    """Route every error through the JSON envelope (or the UI's HTML error page)."""
    app.register_error_handler(DomainError, _handle_domain)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(IntegrityError, _handle_integrity)
    app.register_error_handler(StaleDataError, _handle_stale)
    app.register_error_handler(Exception, _handle_unexpected)
