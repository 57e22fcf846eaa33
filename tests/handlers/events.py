"""Lambda HTTP events in AWS's formats, and a way to run them through `handlers.http`.

The samples in tests/events/ are AWS's documented shapes: apigw_v1.json, http_api_v2.json and
alb.json were generated with `sam local generate-event` (SAM CLI 1.170.0: `apigateway aws-proxy`,
`apigateway http-api-proxy`, `alb request`); function_url.json is the Lambda Function URL
payload (format 2.0 with a *.lambda-url.<region>.on.aws domain, auth type NONE, so no
authorizer). `make_event` starts from a copy of one and rewrites what the request changes.

What each front door does with a request, as modelled here:
- headers: REST API keeps names as sent, in `headers` and `multiValueHeaders`; HTTP API and
  Function URL lower-case them, join repeats with ",", and move Cookie into `cookies`; ALB
  lower-cases them, in `headers`, or only in `multiValueHeaders` for a multi-value target group.
  Every one appends the client address to X-Forwarded-For.
- query: `query` pairs are given as written on the wire (percent-encoded where the client
  encoded, `+` where it wrote `+`). REST API puts them URL-decoded in
  `multiValueQueryStringParameters` (and the last value of each key in
  `queryStringParameters`), decoding `+` as a space as HTML forms do; payload 2.0 keeps the raw
  string in `rawQueryString` and decoded, comma-joined values in `queryStringParameters`; ALB
  passes keys and values without decoding them, keeping only the last value of a repeated key
  unless multi-value headers are on.
- client address: requestContext.identity.sourceIp (REST API), requestContext.http.sourceIp
  (payload 2.0), X-Forwarded-For only (ALB).
"""

from __future__ import annotations

import base64 as b64
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

EVENTS = Path(__file__).resolve().parent.parent / "events"
KINDS = ("apigw_v1", "http_api_v2", "alb", "function_url")


def load_sample(kind: str) -> dict[str, Any]:
    """A fresh copy of tests/events/<kind>.json."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return json.loads((EVENTS / f"{kind}.json").read_text())


def _body(
    body: bytes | str | dict | None, base64: bool, headers: dict[str, str]
) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    if isinstance(body, dict):
        body = json.dumps(body)
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    raw = body.encode() if isinstance(body, str) else body
    if base64:
        return b64.b64encode(raw).decode("ascii"), True
    return raw.decode("utf-8"), False


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def _forwarded_for(headers: dict[str, str], source_ip: str) -> str:
    given = next((v for k, v in headers.items() if k.lower() == "x-forwarded-for"), "")
    return f"{given}, {source_ip}" if given else source_ip


def make_event(
    kind: str,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    query: list[tuple[str, str]] | None = None,
    body: bytes | str | dict | None = None,
    base64: bool = False,
    source_ip: str = "198.51.100.7",
    alb_multi_value: bool = False,
) -> dict[str, Any]:
    """Build a `kind` event ("apigw_v1", "http_api_v2", "alb", "function_url") for one request.

    `path` has no query string; `query` pairs are raw, as on the wire (repeated keys allowed);
    a dict `body` is sent as JSON (Content-Type set unless given); `base64` encodes the body as
    API Gateway does for binary media. `alb_multi_value` (ALB only) builds the event of a target
    group with multi-value headers on.
    """
    event = load_sample(kind)
    method = method.upper()
    headers = dict(headers or {})
    pairs = list(query or [])
    decoded = [(unquote_plus(k), unquote_plus(v)) for k, v in pairs]
    body_text, encoded = _body(body, base64, headers)
    forwarded = _forwarded_for(headers, source_ip)
    headers = {k: v for k, v in headers.items() if k.lower() != "x-forwarded-for"}

    if kind == "apigw_v1":
        host = event["headers"]["Host"]
        sent = {
            **{k: v for k, v in event["headers"].items() if k.lower() != "x-forwarded-for"},
            "Host": host,
            "X-Forwarded-For": forwarded,
            **headers,
        }
        event.update(
            httpMethod=method,
            path=path,
            resource="/{proxy+}",
            pathParameters={"proxy": path.lstrip("/")},
            headers=sent,
            multiValueHeaders={k: [v] for k, v in sent.items()},
            queryStringParameters={k: v for k, v in decoded} or None,
            multiValueQueryStringParameters=_multi(decoded) or None,
            body=body_text,
            isBase64Encoded=encoded,
        )
        context = event["requestContext"]
        context.update(httpMethod=method, path=f"/{context['stage']}{path}")
        context["identity"]["sourceIp"] = source_ip
        return event

    if kind in ("http_api_v2", "function_url"):
        context = event["requestContext"]
        sent: dict[str, str] = {
            "host": context["domainName"],
            "x-forwarded-for": forwarded,
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        }
        cookies: list[str] = []
        for name, value in headers.items():
            if name.lower() == "cookie":
                cookies.extend(c.strip() for c in value.split(";") if c.strip())
            else:
                sent[name.lower()] = value
        event["headers"] = sent
        if cookies:
            event["cookies"] = cookies
        else:
            event.pop("cookies", None)
        event["rawPath"] = path
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in pairs)
        if decoded:
            event["queryStringParameters"] = {
                k: ",".join(values) for k, values in _multi(decoded).items()
            }
        else:
            event.pop("queryStringParameters", None)
        for key in ("pathParameters", "stageVariables"):
            event.pop(key, None)
        context.pop("authentication", None)
        context["http"].update(method=method, path=path, sourceIp=source_ip)
        if body_text is None:
            event.pop("body", None)
        else:
            event["body"] = body_text
        event["isBase64Encoded"] = encoded
        return event

    # ALB: names lower-cased, the query handed over undecoded.
    sent = {
        **{k: v for k, v in event["headers"].items() if k != "x-forwarded-for"},
        "x-forwarded-for": forwarded,
        **{k.lower(): v for k, v in headers.items()},
    }
    event.update(httpMethod=method, path=path, body=body_text or "", isBase64Encoded=encoded)
    if alb_multi_value:
        event.pop("headers", None)
        event.pop("queryStringParameters", None)
        event["multiValueHeaders"] = {k: [v] for k, v in sent.items()}
        event["multiValueQueryStringParameters"] = _multi(pairs)
    else:
        event["headers"] = sent
        event["queryStringParameters"] = {k: v for k, v in pairs}
    return event


@dataclass
class LambdaContext:
    """The parts of the Lambda context object that taskdesk and serverless-wsgi read."""

    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = "taskdesk-test-http"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:taskdesk-test-http"
    remaining_millis: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


def invoke(event: dict[str, Any], context: LambdaContext | None = None) -> dict[str, Any]:
    """Call `handlers.http.handler(event, context)` and return the Lambda response dict.

    While a Flask app context is active (the `app` fixture keeps one for the session), the
    handler serves that app instead of the one handlers.http built at import, so the request
    reaches the test database.
    """
    from flask import current_app, has_app_context

    import handlers.http as http

    built = http.app
    if has_app_context():
        http.app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        return http.handler(event, context or LambdaContext())
    finally:
        http.app = built


def json_body(response: dict[str, Any]) -> Any:
    """The response body decoded as JSON (base64-decoded first when isBase64Encoded)."""
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = b64.b64decode(body).decode("utf-8")
    return json.loads(body)


def header_values(response: dict[str, Any], name: str) -> list[str]:
    """Every value of header `name` (any case) in `headers` and `multiValueHeaders`."""
    wanted = name.lower()
    values = [
        v
        for k, vs in (response.get("multiValueHeaders") or {}).items()
        if k.lower() == wanted
        for v in vs
    ]
    values.extend(v for k, v in (response.get("headers") or {}).items() if k.lower() == wanted)
    return values
