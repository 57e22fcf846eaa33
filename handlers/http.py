"""Lambda entry point for HTTP: API Gateway REST (v1), HTTP API (v2), ALB and Function URL events.

serverless-wsgi turns the event into a WSGI request and the Flask response into a Lambda response.
`serve` corrects what it gets wrong for these four sources:

Request (see `_EventFixes`):
- ALB events name the client only in X-Forwarded-For, which serverless-wsgi ignores, leaving
  REMOTE_ADDR empty: every client would share the sign-in throttle key "ip:unknown". The rightmost
  entry, the one the load balancer appends, becomes REMOTE_ADDR.
- serverless-wsgi sets SCRIPT_NAME to "/<stage>" for any *.amazonaws.com host. That is right for a
  REST API stage URL but gives "/$default" for an HTTP API default stage and "/" for an ALB, so
  generated URLs would carry a bogus prefix; those two are cleared.
- An HTTP API or Function URL event whose requestContext.authorizer is null would crash
  serverless-wsgi; the null is dropped.

Response (see `shape_response`): serverless-wsgi gives repeated headers, Set-Cookie above all,
case-variant names ("set-cookie", "Set-cookie", ...) unless the event had multiValueHeaders.
Nothing documents that API Gateway keeps such names apart (HTTP API lower-cases header names),
so cookies could be lost; each format has a documented field instead.
- REST API and HTTP API payload 1.0: always `multiValueHeaders` (also when the request came with
  no headers at all, where serverless-wsgi falls back to case variants).
- HTTP API payload 2.0 and Function URL: Set-Cookie values go to `cookies`, the documented field;
  other repeated headers are joined with ", " (RFC 9110 §5.3).
- ALB: `multiValueHeaders` when the target group has multi-value headers on (the event then
  carries multiValueHeaders). Otherwise `headers`: repeated headers joined with ", ", and several
  Set-Cookie values keep case-variant names, because a cookie cannot be folded into one line
  (RFC 6265 §3) and a single-value response has no other place for a second one. Enable
  multi-value headers on ALB target groups that front taskdesk.

The app is built once per container, when Lambda imports this module. Nothing here imports boto3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import serverless_wsgi
from flask import Flask

from handlers import build_app, snapstart

WsgiApp = Callable[..., Iterable[bytes]]


def _is_alb(event: Mapping[str, Any]) -> bool:
    return bool((event.get("requestContext") or {}).get("elb"))


def _is_v2(event: Mapping[str, Any]) -> bool:
    return event.get("version") == "2.0"


class _EventFixes:
    """WSGI middleware: correct the environ serverless-wsgi built, and record response headers.

    `headers` holds the (name, value) pairs the app passed to start_response, in order, with the
    names as the app spelled them; None until the app has answered.
    """

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.headers: list[tuple[str, str]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        event = environ.get("serverless.event") or {}
        if _is_alb(event):
            forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
            client = forwarded.rsplit(",", 1)[-1].strip()
            if client:
                environ["REMOTE_ADDR"] = client
        if environ.get("SCRIPT_NAME") in ("/", "/$default"):
            environ["SCRIPT_NAME"] = ""

        def recording_start_response(status, headers, exc_info=None):
            self.headers = list(headers)
            return start_response(status, headers, exc_info)

        return self.app(environ, recording_start_response)


def _without_null_authorizer(event: dict[str, Any]) -> dict[str, Any]:
    context = event.get("requestContext")
    if _is_v2(event) and isinstance(context, dict) and context.get("authorizer", {}) is None:
        context = {k: v for k, v in context.items() if k != "authorizer"}
        return {**event, "requestContext": context}
    return event


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Group values by case-insensitive name, keeping the first spelling and the order."""
    names: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for name, value in pairs:
        key = names.setdefault(name.lower(), name)
        groups.setdefault(key, []).append(value)
    return groups


def _pairs_from_response(response: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The header pairs of a serverless-wsgi response (used when none were recorded)."""
    pairs = [
        (name, value)
        for name, values in (response.get("multiValueHeaders") or {}).items()
        for value in values
    ]
    pairs.extend((response.get("headers") or {}).items())
    return pairs


def shape_response(
    response: dict[str, Any],
    event: Mapping[str, Any],
    headers: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Rewrite a serverless-wsgi response so every header, each Set-Cookie included, survives.

    `headers` are the app's (name, value) pairs; without them they are read back from
    `response`. Returns a new dict: `multiValueHeaders` for REST API / payload 1.0 and
    multi-value ALB, `headers` + `cookies` for payload 2.0 (HTTP API, Function URL), `headers`
    for single-value ALB. A response without statusCode (a skipped warm-up event) is returned
    as it is.
    """
    if "statusCode" not in response:
        return response
    pairs = headers if headers is not None else _pairs_from_response(response)
    shaped = {k: v for k, v in response.items() if k not in ("headers", "multiValueHeaders")}
    groups = _grouped(pairs)
    if _is_v2(event):
        cookies = [v for name, v in pairs if name.lower() == "set-cookie"]
        shaped["headers"] = {
            name: ", ".join(values)
            for name, values in groups.items()
            if name.lower() != "set-cookie"
        }
        if cookies:
            shaped["cookies"] = cookies
    elif _is_alb(event) and "multiValueHeaders" not in event:
        single: dict[str, str] = {}
        for name, values in groups.items():
            if name.lower() == "set-cookie":
                single.update(zip(serverless_wsgi.all_casings(name), values, strict=False))
            else:
                single[name] = ", ".join(values)
        shaped["headers"] = single
    else:
        shaped["multiValueHeaders"] = groups
    return shaped


def serve(app: Flask | WsgiApp, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one Lambda HTTP event with `app`; returns the Lambda response dict.

    Works for REST API (v1), HTTP API (payload 1.0 and 2.0), ALB and Function URL events; other
    events that serverless-wsgi skips (EventBridge warm-ups) return {}.
    """
    fixes = _EventFixes(app)
    response = serverless_wsgi.handle_request(fixes, _without_null_authorizer(event), context)
    return shape_response(response, event, fixes.headers)


app = build_app()
snapstart.register(app)  # SnapStart: engines disposed before the snapshot, settings re-read after


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda handler (`handlers/http.handler`): serve the event with this container's app."""
    return serve(app, event, context)
