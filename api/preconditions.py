"""Conditional requests: If-Match against an entity tag (RFC 9110 §13.1.1)."""

from __future__ import annotations

from api.errors import PreconditionFailed


def check_if_match(etag: str, if_match: str | None, *, noun: str) -> None:
    """Raise PreconditionFailed unless `if_match` is absent, `*`, or lists `etag`.

    `if_match` is the raw header value: a comma-separated list of entity tags. `noun` names the
    resource in the message ("task", "incident").
    """
    if if_match is None:
        return
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" not in tags and etag not in tags:
        raise PreconditionFailed(f"The {noun} changed since you read it; fetch it and retry.")
