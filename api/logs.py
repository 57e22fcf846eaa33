"""Logging: one JSON object per line, the shape AWS Lambda's JSON log format uses, on every host.

On Lambda the runtime (awslambdaric) owns the root handler: with the function's
`LoggingConfig` `LogFormat: JSON` it writes each record as
`{"timestamp", "level", "message", "logger", "requestId", ...}` and sets the root level from
`ApplicationLogLevel` (serverless.yml: INFO; `SystemLogLevel` WARN), so `configure` only sets
levels there. Elsewhere (gunicorn, Vercel, `flask` commands) the root logger has no handler yet and
`configure` installs one on stderr that writes the same keys (`LOG_FORMAT=json`, production) or
a plain line (`LOG_FORMAT=text`, a laptop). `requestId` is the request's X-Request-ID (see
`api.register_request_hooks`) while a request is served.

Timestamps are UTC, ISO 8601 with milliseconds. botocore, boto3 and urllib3 log at WARNING and
above only (their INFO/DEBUG lines are per-call noise and may echo request parameters).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

QUIET_LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(requestId)s] %(message)s"
# LogRecord attributes that are not "extra" fields (logging.LogRecord.__init__).
_RECORD_FIELDS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime"}
)


class RequestIdFilter(logging.Filter):
    """Sets `record.requestId`: the serving request's id (flask.g.request_id) or None."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "requestId", None) is None:
            record.requestId = _current_request_id(record)
        return True


def _current_request_id(record: logging.LogRecord) -> str | None:
    args = record.args
    if isinstance(args, dict) and args.get("{x-request-id}o") not in (None, "-"):
        return str(args["{x-request-id}o"])  # a gunicorn access line: the response's header
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover - flask is a dependency
        return None
    return g.get("request_id") if has_request_context() else None


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: timestamp (UTC), level, message, logger, requestId, and on an
    exception errorType, errorMessage, stackTrace -- the keys of Lambda's JSON log format.
    Extra fields given with `extra=` are kept; values JSON cannot encode become strings."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, Any] = {
            "timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "requestId", None),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["errorType"] = record.exc_info[0].__name__
            entry["errorMessage"] = str(record.exc_info[1])
            entry["stackTrace"] = traceback.format_exception(*record.exc_info)
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in entry and not key.startswith("_"):
                entry[key] = value
        return json.dumps(
            {k: v for k, v in entry.items() if v is not None}, default=str, ensure_ascii=False
        )


def on_lambda_runtime() -> bool:
    """True when the Lambda runtime has set up logging (AWS_LAMBDA_LOG_FORMAT is set)."""
    return bool(os.environ.get("AWS_LAMBDA_LOG_FORMAT")) and bool(
        os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    )


def configure(level: str, log_format: str = "json") -> None:
    """Set up logging once per process: `level` (a logging level name) for taskdesk's loggers,
    `log_format` "json" or "text" for the handler installed when the root logger has none.

    Raises ValueError for an unknown level or format (the app then refuses to start).
    """
    level = level.upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"LOG_LEVEL must be a logging level name, not {level!r}")
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
        )
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
        root.setLevel(level)
    elif not on_lambda_runtime():
        for handler in root.handlers:
            if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
                handler.addFilter(RequestIdFilter())
    for name in ("api", "handlers"):
        logging.getLogger(name).setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
