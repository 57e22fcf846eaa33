"""Do password reset and registration answer in the same time for known and unknown addresses?

`python -m bench.enumeration [--requests 30]` with BENCH_DATABASE_URL set (MariaDB; the database
is rebuilt): starts gunicorn on 127.0.0.1 (one worker, a free port, stopped at the end), seeds one
active account, then alternates requests for the known and an unknown address over HTTP and
prints the median and the spread (min-max) of each, in milliseconds, as a client measures them:
from sending the request to the last byte of the answer. The cases run in a shuffled order each
round, with a short pause between requests, as a careful attacker would time them. Email goes to
the console backend.

    make bench-enumeration
    BENCH_DATABASE_URL=mysql+pymysql://... .venv/bin/python -m bench.enumeration --requests 30
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KNOWN = "known@example.com"
PASSWORD = "plausible-secret-9"
PAUSE_SECONDS = 0.05  # between requests: the previous answer's after-response work finishes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "TASKDESK_ENV": "testing",  # rate limits out of reach; argon2 at the tests' cost
        "TASKDESK_NO_DOTENV": "1",
        "DATABASE_URL": url,
        "MAIL_BACKEND": "console",
        "LOG_LEVEL": "WARNING",
    }


def _prepare(url: str) -> None:
    code = (
        "from api import create_app; from api.cli import upgrade_database;"
        "from api.extensions import db; import sqlalchemy as sa;"
        "app = create_app(); upgrade_database(app);"
        "ctx = app.app_context(); ctx.push();"
        "[db.session.execute(t.delete()) for t in reversed(db.metadata.sorted_tables)];"
        "db.session.commit();"
        "from api.users.service import create_admin;"
        f"create_admin(email={KNOWN!r}, username='known', password={PASSWORD!r})"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_environment(url), check=True)


def _post(port: int, path: str, body: dict) -> tuple[float, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    data = json.dumps(body).encode()
    started = time.perf_counter()
    connection.request("POST", path, data, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return elapsed, response.status


def _wait(port: int, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited before it answered")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


def _summary(label: str, values: list[float], statuses: set[int]) -> str:
    return (
        f"{label:<34} median {statistics.median(values):7.2f} ms   "
        f"spread {min(values):7.2f}-{max(values):7.2f} ms   status {sorted(statuses)}"
    )


def measure(url: str, requests: int) -> list[str]:
    """Run the measurement; return the report lines."""
    _prepare(url)
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "api:create_app()",
        ],
        cwd=ROOT,
        env={**_environment(url), "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lines = []
    try:
        _wait(port, process, time.monotonic() + 30)
        cases = {
            "password reset, known address": (
                "/api/v1/auth/password-reset",
                lambda n: {"email": KNOWN},
            ),
            "password reset, unknown address": (
                "/api/v1/auth/password-reset",
                lambda n: {"email": f"nobody{n}@example.com"},
            ),
            "register, address taken": (
                "/api/v1/auth/register",
                lambda n: {"email": KNOWN, "username": f"taken{n}", "password": PASSWORD},
            ),
            "register, new address": (
                "/api/v1/auth/register",
                lambda n: {
                    "email": f"new{n}@example.com",
                    "username": f"new{n}",
                    "password": PASSWORD,
                },
            ),
        }
        times: dict[str, list[float]] = {label: [] for label in cases}
        statuses: dict[str, set[int]] = {label: set() for label in cases}
        order = list(cases)
        shuffle = random.Random(20261130).shuffle
        for n in range(requests + 5):  # interleaved; the first 5 rounds warm up
            shuffle(order)  # no case always follows another (and its work after the response)
            for label in order:
                path, body = cases[label]
                time.sleep(PAUSE_SECONDS)
                elapsed, status = _post(port, path, body(n))
                if n >= 5:
                    times[label].append(elapsed)
                    statuses[label].add(status)
        lines = [_summary(label, times[label], statuses[label]) for label in cases]
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.enumeration", description=__doc__)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per case")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        raise SystemExit("set BENCH_DATABASE_URL (make bench-enumeration does)")
    for line in measure(url, args.requests):
        print(line)


if __name__ == "__main__":
    main()
