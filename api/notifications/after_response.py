"""Work that waits until the response has gone out: `run_after_response(task, *args)`.

Where the time of an answer must not tell what the request found (password reset and
registration: OWASP ASVS 5.0 6.3.x, no account enumeration by timing), the request does the
same work whatever it found and leaves the rest (the writes, the email and its delivery) to
`task`, which runs in a fresh app context at the WSGI server's `close()` of the response
(`Response.call_on_close`): gunicorn calls it after writing the last byte. The task owns its
transaction. If the process dies in between, the work is lost (the person asks again); a task
that fails is logged. On AWS Lambda the adapter closes the response before returning it, so
there the task's time is inside the invocation.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, after_this_request, current_app, has_request_context

from api.extensions import db

log = logging.getLogger(__name__)


def run_after_response(task: Callable[..., None], /, *args: Any) -> None:
    """Call `task(*args)` in a fresh app context once the response has been sent.

    Outside a request it runs at once. An error in the task is logged, never raised (the
    response is gone).
    """
    if not has_request_context():
        task(*args)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def _defer(response):
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
