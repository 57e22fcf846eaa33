"""The scale section of `make bench` (issue 17): list, search, deep page, stats and /tasks/mine at
growing table sizes, the tutorial peer beside taskdesk's first page, and a load line.

`python -m bench.scale --database-url URL [--scale-sizes 1000,100000,1000000] [--runs 15]
[--load-seconds 30] [--skip-load]`; `make bench BENCH_ARGS=--scale-only` runs it with its own
database (`taskdesk_bench_scale`), which it drops and rebuilds.

- Seed: the first size through the ORM (bench/seed.py: users, assignees, every status and
  priority, deadlines on 80 %); every further size by `INSERT … SELECT` doubling the table (each
  copy's times shifted back by a per-row amount, so sort keys stay spread), then the task
  counters recounted and ANALYZE TABLE. Sizes are reached in order on one database.
- Each request through the WSGI app (Flask test client), warm, median of `--runs`, a manager's
  access token (an employee's for /tasks/mine), the stats cache off (NullCache); the ratio is to
  the same request's figure at the first size. Target: ≤ GROWTH_TARGET at every size.
- Peer: bench/peer.py's first page (50 tasks) at each size, and taskdesk's over it (target: the
  peer takes ≥ PEER_TARGET x taskdesk's time).
- Load: gunicorn (2 workers x 4 threads, 127.0.0.1) on the last size, wrk (8 connections) on the
  first page for `--load-seconds`: requests/s, p50, p99, errors (target: none, p99 ≤ 4 x p50).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

GROWTH_TARGET = 1.5
PEER_TARGET = 2.0
P99_TARGET = 4.0
STATEMENTS_TARGET = 3
USERS = 200
SLOW_SECONDS = 1.0
SLOW_RUNS = 3


def _say(message: str) -> None:
    print(f"bench.scale: {message}", file=sys.stderr, flush=True)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--scale-sizes", default="1000,100000,1000000")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--load-seconds", type=int, default=30)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("pass --database-url (a MariaDB database the bench may drop)")
    args.sizes = [int(s) for s in args.scale_sizes.split(",") if s.strip()]
    return args


def scale_url(url: str) -> str:
    """The scale bench's database beside `url`'s: `<name>_scale`."""
    parsed = sa.make_url(url)
    return parsed.set(database=f"{parsed.database}_scale").render_as_string(hide_password=False)


GROW = """
INSERT INTO tasks (title, description, status, priority, deadline, assignee_id, created_by_id,
                   created_at, updated_at, completed_at, version, project_id)
SELECT title, description, status, priority,
       deadline - INTERVAL ((id * 7919) % 129600) MINUTE, assignee_id, created_by_id,
       created_at - INTERVAL ((id * 7919) % 129600) MINUTE,
       updated_at - INTERVAL ((id * 7919) % 129600) MINUTE,
       completed_at - INTERVAL ((id * 7919) % 129600) MINUTE, 1, project_id
FROM tasks ORDER BY id LIMIT {take}
"""
# The grown rows' assignees (issue 14 reads task_assignees); numbers stay NULL for them.
ASSIGN = """
INSERT IGNORE INTO task_assignees (task_id, user_id, position)
SELECT id, assignee_id, 0 FROM tasks WHERE id > {after} AND assignee_id IS NOT NULL
"""


def grow(engine: sa.Engine, target: int) -> int:
    """Double the tasks table with INSERT … SELECT until it holds `target` rows."""
    with engine.connect() as conn:
        n = conn.scalar(sa.text("SELECT COUNT(*) FROM tasks"))
        while n < target:
            take = min(n, target - n, 250_000)
            started = time.perf_counter()
            after = conn.scalar(sa.text("SELECT MAX(id) FROM tasks"))
            conn.execute(sa.text(GROW.format(take=int(take))))
            conn.execute(sa.text(ASSIGN.format(after=int(after))))
            conn.commit()
            n += take
            _say(f"  {n:,} tasks ({time.perf_counter() - started:.0f} s for {take:,})")
        conn.execute(sa.text("ANALYZE TABLE tasks"))
        conn.execute(sa.text("ANALYZE TABLE task_assignees"))
        conn.commit()
    return n


class Client:
    """Timed GETs through the WSGI app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.test_client()

    def get(self, path: str, token: str) -> Any:
        response = self.client.get(path, headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.data[:300]}")
        return response

    def median_ms(self, call: Callable[[], Any], runs: int) -> float:
        """Median wall time of `runs` calls after warm-up; a call slower than SLOW_SECONDS is
        warmed once and timed SLOW_RUNS times (the figure is a miss either way)."""
        started = time.perf_counter()
        call()
        if time.perf_counter() - started > SLOW_SECONDS:
            runs = min(runs, SLOW_RUNS)
        else:
            call()
            call()
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            call()
            samples.append(time.perf_counter() - started)
        return statistics.median(samples) * 1000


def _deep_cursor(app: Any, engine: sa.Engine, n: int) -> str:
    """A `next` cursor at the middle of the default order (-created)."""
    from api.listing import AFTER, Position, encode_cursor

    with engine.connect() as conn:
        created, row_id = conn.execute(
            sa.text(
                "SELECT created_at, id FROM tasks ORDER BY created_at DESC, id DESC "
                "LIMIT 1 OFFSET :o"
            ),
            {"o": n // 2},
        ).one()
    from datetime import UTC

    with app.test_request_context():
        return encode_cursor(Position("-created", 0, created.replace(tzinfo=UTC), row_id, AFTER))


def shapes(deep_cursor: str) -> list[tuple[str, str, str]]:
    """(label, path, who) of every timed request; who is "manager" or "employee"."""
    return [
        ("GET /api/v1/tasks?page_size=50", "/api/v1/tasks?page_size=50", "manager"),
        (
            "deep page: cursor at n/2, page_size=100",
            f"/api/v1/tasks?page_size=100&cursor={deep_cursor}",
            "manager",
        ),
        (
            "deepest page number: page=100&page_size=100",
            "/api/v1/tasks?page_size=100&page=100",
            "manager",
        ),
        ("?q=invoice (relevance)", "/api/v1/tasks?q=invoice", "manager"),
        ("?q=invoice&sort=-created", "/api/v1/tasks?q=invoice&sort=-created", "manager"),
        # the one search: four full-text sources, each ranking at most api.search RANKED rows
        ("/search?q=invoice (common word)", "/api/v1/search?q=invoice", "manager"),
        ("/search?q=invoice march (two words)", "/api/v1/search?q=invoice%20march", "manager"),
        ("?status=pending&sort=deadline", "/api/v1/tasks?status=pending&sort=deadline", "manager"),
        ("?overdue=true", "/api/v1/tasks?overdue=true", "manager"),
        ("?project=GEN&sort=deadline", "/api/v1/tasks?project=GEN&sort=deadline", "manager"),
        ("/tasks/mine (employee)", "/api/v1/tasks/mine", "employee"),
        ("/api/v1/stats, cache off", "/api/v1/stats", "manager"),
    ]


def _statements(app: Any, client: Client, path: str, token: str) -> int:
    from bench.warm import count_statements

    with count_statements() as seen:
        client.get(path, token)
    return len(seen)


def _load(url: str, env: dict[str, str], token: str, seconds: int) -> dict[str, Any]:
    """gunicorn (2 workers x 4 threads) on a free 127.0.0.1 port, wrk (8 connections)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
    }
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null", "api.index:app"],
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        target = f"http://127.0.0.1:{port}/api/v1/tasks?page_size=50"
        wrk = shutil.which("wrk")
        if not wrk:
            raise RuntimeError("wrk not installed (apt-get install -y wrk)")
        out = subprocess.run(
            [
                wrk,
                "-t2",
                "-c8",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "10s",
                "-H",
                f"Authorization: Bearer {token}",
                target,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return _parse_wrk(out)


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _parse_wrk(out: str) -> dict[str, Any]:
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"50%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"99%\s+(\S+)", out).group(1)),  # type: ignore[union-attr]
        "errors": errors,
        "requests": requests,
    }


def main(argv: list[str] | None = None) -> int:
    """Seed, grow, time; print one table. 0 unless the bench itself fails."""
    from bench.__main__ import bench_environment
    from bench.peer import create_peer_app, peer_token
    from bench.seed import access_token, recreate_database, seed

    args = _arguments(argv)
    url = args.database_url
    env = bench_environment(url)
    env.update({"CACHE_TYPE": "NullCache", "RATELIMIT_DEFAULT": "100000000 per minute"})
    os.environ.update(env)
    from api import create_app
    from api.cli import upgrade_database
    from api.extensions import db
    from api.tasks import counters
    from api.users.models import Role, User

    _say("rebuilding the scale database")
    recreate_database(url)
    app = create_app()
    upgrade_database(app)
    facts = seed(app, users=USERS, tasks=args.sizes[0])
    manager = access_token(app, facts["manager_id"])
    with app.app_context():
        employee_id = db.session.scalar(
            sa.select(User.id).where(User.role == Role.EMPLOYEE).order_by(User.id)
        )
        db.session.remove()
    employee = access_token(app, employee_id)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    client = Client(app)
    peer_app = create_peer_app(url)
    peer = Client(peer_app)
    peer_jwt = peer_token(peer_app)
    tokens = {"manager": manager, "employee": employee}
    table: dict[str, dict[int, float]] = {}
    statements: dict[str, int] = {}
    for size in args.sizes:
        _say(f"growing to {size:,} tasks")
        grow(engine, size)
        with app.app_context():
            counters.recount(db.session)
            db.session.commit()
            db.session.remove()
        deep = _deep_cursor(app, engine, size)
        for label, path, who in shapes(deep):
            _say(f"  {size:,}: {label}")
            # Access tokens last 15 minutes and a million-task size takes longer: mint anew.
            tokens = {
                "manager": access_token(app, facts["manager_id"]),
                "employee": access_token(app, employee_id),
            }
            ms = client.median_ms(lambda p=path, t=tokens[who]: client.get(p, t), args.runs)
            table.setdefault(label, {})[size] = ms
            _say(f"    {ms:.1f} ms")
            # the search is no list: four sources, then one page's rows (api/search/service.py)
            if size == args.sizes[0] and "stats" not in label and "/search" not in label:
                statements[label] = _statements(app, client, path, tokens[who])
        ms = peer.median_ms(lambda: peer.get("/tasks?per_page=50", peer_jwt), args.runs)
        table.setdefault("peer: tutorial first page (50)", {})[size] = ms
        _say(f"  {size:,}: peer first page {ms:.1f} ms")
    load = None
    if not args.skip_load:
        _say(f"load: gunicorn + wrk for {args.load_seconds} s at {args.sizes[-1]:,} tasks")
        load = _load(url, env, access_token(app, facts["manager_id"]), args.load_seconds)
    print(render(args.sizes, table, statements, load))
    return 0


def render(
    sizes: list[int],
    table: dict[str, dict[int, float]],
    statements: dict[str, int],
    load: dict[str, Any] | None,
) -> str:
    """The scale table (milliseconds, growth to the last size, PASS/MISS)."""
    first, last = sizes[0], sizes[-1]
    head = ["request", *(f"{s:,}" for s in sizes), f"x{last:,}/{first:,}", "target"]
    lines = [head]
    own = "GET /api/v1/tasks?page_size=50"
    for label, figures in table.items():
        growth = figures[last] / figures[first]
        if label.startswith("peer"):
            verdict = " ".join(f"{figures[s] / table[own][s]:.1f}x" for s in sizes)
            ok = all(figures[s] / table[own][s] >= PEER_TARGET for s in sizes)
            target = f"peer/taskdesk {verdict} (≥{PEER_TARGET:g}) {'PASS' if ok else 'MISS'}"
        else:
            target = f"≤{GROWTH_TARGET:g} {'PASS' if growth <= GROWTH_TARGET else 'MISS'}"
        lines.append([label, *(f"{figures[s]:.1f} ms" for s in sizes), f"x{growth:.2f}", target])
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    out = ["taskdesk scale bench (MariaDB, Flask test client, warm medians)"]
    for row in lines:
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    worst = max(statements.values()) if statements else 0
    out.append(
        f"SQL statements per list request (max over the list shapes): {worst} "
        f"(≤{STATEMENTS_TARGET} {'PASS' if worst <= STATEMENTS_TARGET else 'MISS'})"
    )
    if load:
        ok = load["errors"] == 0 and load["p99"] <= P99_TARGET * load["p50"]
        out.append(
            f"load at {last:,} tasks (gunicorn 2x4, wrk 8 connections): {load['rps']:.1f} req/s, "
            f"p50 {load['p50']:.1f} ms, p99 {load['p99']:.1f} ms, errors {load['errors']} of "
            f"{load['requests']} ({'PASS' if ok else 'MISS'}: no errors, p99 ≤ {P99_TARGET:g}xp50)"
        )
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
