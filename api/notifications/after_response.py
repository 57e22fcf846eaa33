"""Work that waits until the response has gone out: `run_after_response(task, *args)`.

Where the time of an answer must not tell what the request found (password reset and
registration: OWASP ASVS 5.0 6.3.x, no account enumeration by timing), the request does the
same work whatever it found and leaves the rest (the writes, the email and its delivery) to
`task`, which runs in a fresh app context at the WSGI server's `close()` of the response
(`Response.call_on_close`): gunicorn calls it after writing the last byte. The task owns its
transaction. If the process dies in between, the work is lost (the person asks again); a task
that fails is logged.

PEP 3333 servers call `close()` after the last byte; some adapters never do (serverless-wsgi
and Vercel's runtime read the body and drop the iterable). So a response with such work is
handed to the server wrapped in `CloseWhenExhausted`, which closes it once its last chunk has
been taken: after the write on gunicorn, before the function returns on Lambda and Vercel (there
the task's time is inside the invocation). Other responses are not wrapped (gunicorn's sendfile
of static files keeps working).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, after_this_request, current_app, has_request_context, request

from api.extensions import db

log = logging.getLogger(__name__)

ENVIRON_FLAG = "taskdesk.after_response"


def run_after_response(task: Callable[..., None], /, *args: Any) -> None:
    """Call `task(*args)` in a fresh app context once the response has been sent.

    Outside a request it runs at once. An error in the task is logged, never raised (the
    response is gone).
    """
    if not has_request_context():
        task(*args)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    request.environ[ENVIRON_FLAG] = True

    @after_this_request
    def _defer(response):
        response.call_on_close(functools.partial(_run, app, task, args))
        return response


def run_when_sent(response: Any, task: Callable[..., None], /, *args: Any) -> Any:
    """`run_after_response` for code that already holds the response (an `after_request`
    hook, where `after_this_request` is too late); returns `response`."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    request.environ[ENVIRON_FLAG] = True
    response.call_on_close(functools.partial(_run, app, task, args))
    return response


def _run(app: Flask, task: Callable[..., None], args: tuple[Any, ...]) -> None:
    try:
        with app.app_context():
            try:
                task(*args)
            finally:
                db.session.remove()
    except Exception:
        log.exception("work after the response failed: %s", getattr(task, "__name__", task))


class CloseWhenExhausted:
    """A response body that closes itself once its last chunk has been taken (idempotent)."""

    def __init__(self, body: Iterable[bytes]) -> None:
        self._body = body
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self._body
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            close = getattr(self._body, "close", None)
            if close is not None:
                close()


class _Middleware:
    def __init__(self, wsgi_app: Callable[..., Any]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        body = self.wsgi_app(environ, start_response)
        return CloseWhenExhausted(body) if environ.get(ENVIRON_FLAG) else body


def init_app(app: Flask) -> None:
    """Make sure responses that carry after-response work get closed, whatever the server."""
    app.wsgi_app = _Middleware(app.wsgi_app)  # type: ignore[method-assign]
