"""Deliver a request's committed email after its response has gone out, not before.

Normally the email a request committed is tried by an after-request hook, inside the request's
time (api/notifications/service.py). Where the time of the answer must not depend on whether an
email was queued (password reset, registration: OWASP ASVS 5.0 6.3.x, no account enumeration by
timing), `send_after_response()` moves that delivery to the WSGI server's `close()` of the
response (`Response.call_on_close`), which gunicorn calls after writing the last byte. The outbox
row is committed first either way, so nothing is lost if the process dies before: the outbox job
sends it. On AWS Lambda the adapter closes the response before returning it, so there this
changes nothing; the services' equal-cost work is what keeps timings equal there.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, after_this_request, current_app, has_request_context

from api.extensions import db
from api.notifications.service import COMMITTED

log = logging.getLogger(__name__)


def send_after_response() -> None:
    """Take the emails this request committed so far and send them once the response is sent.

    Outside a request, or with MAIL_SEND_AFTER_COMMIT off, it does nothing (the after-commit
    hook or the outbox job sends them as usual).
    """
    if not has_request_context() or not current_app.config["MAIL_SEND_AFTER_COMMIT"]:
        return
    keys = db.session.info.pop(COMMITTED, None)
    if not keys:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def _defer(response):
        response.call_on_close(functools.partial(deliver, app, list(keys)))
        return response


def run_after_response(task: Callable[..., None], /, *args: Any) -> None:
    """Call `task(*args)` in a fresh app context once the response has been sent.

    Outside a request it runs at once. The task owns its transaction (it commits); an error is
    logged, never raised (the response is gone).
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


def deliver(app: Flask, keys: list[str]) -> None:
    """Send the outbox rows with these dedupe keys, in a fresh app context; never raises."""
    from api.notifications.delivery import send_committed

    try:
        with app.app_context():
            db.session.info[COMMITTED] = keys
            try:
                send_committed()
            finally:
                db.session.remove()
    except Exception:  # the rows stay pending: the outbox job sends them
        log.exception("sending after the response failed; the outbox job will retry")
