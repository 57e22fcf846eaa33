"""Warm path: the task list through the Lambda handler, and the same rows with PyMySQL + json."""

from __future__ import annotations

import ipaddress
import itertools
import json
import statistics
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa

PAGE_SIZE = 50
LIST_PATH = "/api/v1/tasks"
LIST_QUERY = f"page_size={PAGE_SIZE}"
CLIENT_NETWORK = ipaddress.ip_network("198.51.100.0/24")


class FakeLambdaContext:
    """The attributes of a Lambda context object that taskdesk and serverless-wsgi read."""

    function_name = "taskdesk-http"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:taskdesk-http"
    log_group_name = "/aws/lambda/taskdesk-http"
    log_stream_name = "2026/01/01/[$LATEST]bench"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def http_api_v2_event(
    method: str, path: str, raw_query: str, token: str, source_ip: str = "198.51.100.7"
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event carrying `Authorization: Bearer`."""
    now = datetime.now(UTC)
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": {
            "accept": "application/json",
            "authorization": f"Bearer {token}",
            "content-length": "0",
            "host": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "user-agent": "taskdesk-bench",
            "x-forwarded-for": source_ip,
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "queryStringParameters": dict(parse_qsl(raw_query)) or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abcdef1234",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": "taskdesk-bench",
            },
            "requestId": "bench-request",
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }


@dataclass(frozen=True)
class Timings:
    """Per-call latencies in seconds: wall clock (`samples`) and this process's CPU time (`cpu`)."""

    samples: list[float]
    cpu: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.samples, n=20, method="inclusive")[-1]

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def time_calls(call: Callable[[], Any], *, warmup: int, requests: int) -> Timings:
    """Call `call` `warmup` times untimed, then `requests` times, timing each call."""
    for _ in range(warmup):
        call()
    samples, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return Timings(samples, cpu)


def time_interleaved(
    first: Callable[[], Any],
    second: Callable[[], Any],
    *,
    warmup: int,
    requests: int,
    batch: int = 20,
) -> tuple[Timings, Timings]:
    """Time `requests` calls of each callable in alternating batches of `batch`.

    Both see the same host: on a shared machine the speed drifts over seconds, and timing one
    side after the other would put the drift into the ratio. `warmup` untimed calls of each
    come first.
    """
    for _ in range(warmup):
        first()
        second()
    timed: tuple[Timings, Timings] = (Timings([], []), Timings([], []))
    done = 0
    while done < requests:
        size = min(batch, requests - done)
        for call, into in zip((first, second), timed, strict=True):
            part = time_calls(call, warmup=0, requests=size)
            into.samples.extend(part.samples)
            into.cpu.extend(part.cpu)
        done += size
    return timed


def client_addresses(count: int = 32) -> list[str]:
    """`count` client addresses from a documentation network (RFC 5737), 198.51.100.1 on."""
    return [str(host) for host in itertools.islice(CLIENT_NETWORK.hosts(), count)]


def lambda_list_call(handler: Callable[[dict, Any], dict], token: str) -> Callable[[], dict]:
    """One `GET /api/v1/tasks?page_size=50` through `handler`; raise if it does not answer 200.

    Events are built beforehand (API Gateway hands the function a ready dict); the context is new
    per call, as each invocation has its own request id. Calls come from 32 client addresses in
    turn: the rate limit (per address, RATELIMIT_DEFAULT) stays on and is part of what is timed,
    yet a bench's few hundred requests a minute never reach it.
    """
    events = [
        http_api_v2_event("GET", LIST_PATH, LIST_QUERY, token, source_ip=address)
        for address in client_addresses()
    ]
    turn = itertools.cycle(events)

    def call() -> dict:
        response = handler(next(turn), FakeLambdaContext())
        if response.get("statusCode") != 200:
            raise RuntimeError(f"list request answered {response.get('statusCode')}: {response}")
        return response

    return call


def check_list_response(response: dict) -> dict[str, Any]:
    """Decode a list response and check it holds a full page; return the JSON body."""
    body = json.loads(response["body"])
    if len(body.get("items", [])) != PAGE_SIZE:
        raise RuntimeError(f"expected {PAGE_SIZE} items, got {len(body.get('items', []))}")
    return body


@contextmanager
def count_statements():
    """Count statements sent to any SQLAlchemy engine; yields a list that grows per statement."""
    seen: list[str] = []

    def _before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", _before)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", _before)


def statements_per_request(call: Callable[[], Any], requests: int = 20) -> tuple[int, list[str]]:
    """The most statements any of `requests` calls ran, and the statements of the last call."""
    most, last = 0, []
    for _ in range(requests):
        with count_statements() as seen:
            call()
        most, last = max(most, len(seen)), list(seen)
    return most, last


# The rows the API's first page shows (sort -created, then id), with the same columns and the
# assignee's and creator's usernames joined in, as one hand-written query.
RAW_SQL = """
SELECT t.id, t.title, t.description, t.status, t.priority, t.deadline, t.created_at,
       t.updated_at, t.completed_at, t.version,
       t.assignee_id, a.username, t.created_by_id, c.username
FROM tasks AS t
LEFT JOIN users AS a ON a.id = t.assignee_id
LEFT JOIN users AS c ON c.id = t.created_by_id
ORDER BY t.created_at DESC, t.id
LIMIT %s
"""


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=UTC).isoformat()


def raw_list_call(url: str) -> tuple[Callable[[], str], Callable[[], None]]:
    """The baseline: PyMySQL on one open connection, rows to dicts, `json.dumps`.

    Returns (call, close); `call` returns the JSON text of one page of PAGE_SIZE tasks.
    """
    import pymysql

    parsed = sa.make_url(url)
    conn = pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username,
        password=parsed.password or "",
        database=parsed.database,
        charset=str(parsed.query.get("charset", "utf8mb4")),
        autocommit=True,
    )

    def call() -> str:
        with conn.cursor() as cursor:
            cursor.execute(RAW_SQL, (PAGE_SIZE,))
            rows = cursor.fetchall()
        now = datetime.now(UTC).replace(tzinfo=None)
        items = [
            {
                "id": r[0],
                "title": r[1],
                "description": r[2],
                "status": r[3],
                "priority": r[4],
                "deadline": _iso(r[5]),
                "is_overdue": r[5] is not None and r[3] != "completed" and r[5] < now,
                "assignee": None if r[10] is None else {"id": r[10], "username": r[11]},
                "created_by": None if r[12] is None else {"id": r[12], "username": r[13]},
                "created_at": _iso(r[6]),
                "updated_at": _iso(r[7]),
                "completed_at": _iso(r[8]),
                "version": r[9],
            }
            for r in rows
        ]
        if len(items) != PAGE_SIZE:
            raise RuntimeError(f"baseline expected {PAGE_SIZE} rows, got {len(items)}")
        return json.dumps({"items": items, "page": 1, "page_size": PAGE_SIZE})

    return call, conn.close
