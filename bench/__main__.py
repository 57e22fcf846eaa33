"""`python -m bench [--runs N] [--requests N] [--skip-reminders] ...`: see bench/__init__.py."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import secrets
import statistics
import sys
import textwrap
from typing import Any

from bench import (
    COLD_START_RATIO_TARGET,
    STATEMENTS_TARGET,
    WARM_LIST_RATIO_TARGET,
    coldstart,
    warm,
)
from bench.report import Row, millis, ratio, render, seconds


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=9, help="cold-start runs each (min 7)")
    parser.add_argument("--requests", type=int, default=400, help="timed list requests each")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests first")
    parser.add_argument("--tasks", type=int, default=400, help="tasks to seed")
    parser.add_argument("--users", type=int, default=40, help="users to seed")
    parser.add_argument(
        "--with-dev-packages",
        action="store_true",
        help="cold start with test-only packages importable (default: hidden, as in Lambda)",
    )
    parser.add_argument(
        "--skip-reminders",
        action="store_true",
        help="do not run the reminders job bench (bench/reminders.py) after this table",
    )
    parser.add_argument(
        "--scale-only",
        action="store_true",
        help="run only the scale section (bench/scale.py) on its own database",
    )
    parser.add_argument(
        "--skip-scale", action="store_true", help="do not run the scale section (bench/scale.py)"
    )
    parser.add_argument(
        "--scale-sizes",
        default="1000,100000,1000000",
        help="task counts of the scale section, in order (default: %(default)s)",
    )
    parser.add_argument(
        "--handler-module",
        default=coldstart.HANDLER_MODULE,
        help="module exposing handler(event, context) (default: %(default)s)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="MariaDB/MySQL URL the bench may drop and rebuild (default: $BENCH_DATABASE_URL)",
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set BENCH_DATABASE_URL (make bench does) or pass --database-url")
    args.runs = max(7, args.runs)
    args.requests = max(20, args.requests)
    return args


def bench_environment(url: str) -> dict[str, str]:
    """The environment of a production Lambda container, pointed at the bench database.

    Secrets are random per bench run (production refuses the defaults); `.env` is not read.
    PYTHONDONTWRITEBYTECODE is dropped so that timed imports read bytecode caches.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        {
            "TASKDESK_ENV": "production",
            "TASKDESK_NO_DOTENV": "1",
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "JWT_SECRET_KEY": secrets.token_urlsafe(48),
            "MAIL_BACKEND": "console",
            "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        }
    )
    return env


def prepare_database(url: str, users: int, tasks: int) -> tuple[dict[str, Any], str]:
    """Rebuild and seed the bench database; return (seed facts, a manager's access token)."""
    from api import create_app
    from api.cli import upgrade_database
    from api.extensions import db
    from bench.seed import access_token, recreate_database, seed

    _say("rebuilding the bench database through the migrations")
    recreate_database(url)
    app = create_app()
    logging.disable(logging.INFO)  # Alembic's per-revision INFO lines
    try:
        upgrade_database(app)
    finally:
        logging.disable(logging.NOTSET)
    _say(f"seeding {users} users and {tasks} tasks through the ORM")
    facts = seed(app, users=users, tasks=tasks)
    token = access_token(app, facts["manager_id"])
    with app.app_context():
        db.engine.dispose()
    return facts, token


def main(argv: list[str] | None = None) -> int:
    """Run the three measurements and print the table; 0 unless the bench itself fails."""
    args = _arguments(argv)
    if args.scale_only:
        return _scale(args)
    env = bench_environment(args.database_url)
    os.environ.update(env)
    facts, token = prepare_database(args.database_url, args.users, args.tasks)

    # (1) cold start, in fresh interpreters
    _say(f"cold start: {args.runs} fresh interpreters per import (plus one to write .pyc)")
    cold = coldstart.measure(
        env,
        args.runs,
        args.handler_module,
        runtime_only=not args.with_dev_packages,
        token=token,
    )

    def median(kind: str, field: str) -> float:
        return statistics.median(getattr(s, field) for s in getattr(cold, kind))

    cold_handler, cold_base = median("handler", "import_s"), median("baseline", "import_s")
    cold_ratio = cold_handler / cold_base
    cold_cpu_ratio = median("handler", "cpu_s") / median("baseline", "cpu_s")
    cold_libraries = median("libraries", "import_s")

    # (2) warm list, in this process
    _say(f"warm path: importing {args.handler_module} in this process")
    handler = importlib.import_module(args.handler_module).handler
    lambda_call = warm.lambda_list_call(handler, token)
    body = warm.check_list_response(lambda_call())
    raw_call, raw_close = warm.raw_list_call(args.database_url)
    _say(f"warm path: {args.warmup} + {args.requests} list requests each way")
    try:
        via_lambda, via_raw = warm.time_interleaved(
            lambda_call, raw_call, warmup=args.warmup, requests=args.requests
        )
    finally:
        raw_close()
    warm_ratio = via_lambda.median / via_raw.median
    warm_cpu_ratio = via_lambda.cpu_median / via_raw.cpu_median

    # (3) SQL statements per list request
    statements, last = warm.statements_per_request(lambda_call)

    cold_s, warm_s, sql_s = "(1) cold start", "(2) warm list", "(3) SQL"
    rows = [
        Row(cold_s, f"import {args.handler_module} (app built)", seconds(cold_handler)),
        Row(cold_s, "import flask, sqlalchemy, pymysql", seconds(cold_base)),
        Row(
            cold_s,
            "ratio",
            ratio(cold_ratio),
            f"<= {COLD_START_RATIO_TARGET:g}",
            cold_ratio <= COLD_START_RATIO_TARGET,
        ),
        Row(cold_s, "ratio of CPU times (steadier on a busy host)", ratio(cold_cpu_ratio)),
        Row(cold_s, "the same libraries alone, no taskdesk code", seconds(cold_libraries)),
        Row(cold_s, "their ratio: the stack's floor", ratio(cold_libraries / cold_base)),
        Row(cold_s, "then the first list request", millis(median("handler", "first_s"))),
        Row(warm_s, "Lambda handler, median", millis(via_lambda.median)),
        Row(warm_s, "Lambda handler, p95", millis(via_lambda.p95)),
        Row(warm_s, "PyMySQL + json, median", millis(via_raw.median)),
        Row(warm_s, "PyMySQL + json, p95", millis(via_raw.p95)),
        Row(
            warm_s,
            "ratio of medians",
            ratio(warm_ratio),
            f"<= {WARM_LIST_RATIO_TARGET:g}",
            warm_ratio <= WARM_LIST_RATIO_TARGET,
        ),
        Row(warm_s, "ratio of client CPU medians (no server time)", ratio(warm_cpu_ratio)),
        Row(
            sql_s,
            "statements per list request",
            str(statements),
            f"<= {STATEMENTS_TARGET}",
            statements <= STATEMENTS_TARGET,
        ),
    ]
    packages = (
        "test-only packages importable"
        if args.with_dev_packages
        else "test-only packages (moto, cryptography, PyYAML, ...) hidden, as in the Lambda bundle"
    )
    notes = [
        f"cold start: median of {args.runs} fresh interpreters each, wall time of the import "
        f"statement; {packages}. Whole process, interpreter start included: "
        f"{seconds(median('handler', 'process_s'))} vs {seconds(median('baseline', 'process_s'))}.",
        f"warm list: GET /api/v1/tasks?page_size={warm.PAGE_SIZE} as a manager through "
        f"handler(event, context) with an HTTP API v2 event; {args.requests} timed after "
        f"{args.warmup} warm-up, in batches of 20 alternating with the baseline; "
        f"{facts['tasks']} tasks, {facts['users']} users, "
        f"total={body.get('total')}.",
    ]
    if cold.unpinned:
        notes.append(
            "WARNING: the app imports packages that requirements.txt does not pin, so a Lambda "
            f"bundle would lack them (left importable for this run): {', '.join(cold.unpinned)}."
        )
    wrapped = [textwrap.fill(n, 100, subsequent_indent="  ") for n in notes]
    wrapped.append("SQL statements of the last list request:")
    wrapped.extend(f"  {' '.join(s.split())[:96]}".rstrip() for s in last)
    where = args.database_url.rsplit("@", 1)[-1].split("?")[0]
    print(render(f"taskdesk bench (Python {sys.version.split()[0]}, {where})", rows, wrapped))
    if not args.skip_reminders:
        from bench import reminders

        print(flush=True)
        reminders.main(["--database-url", reminders.reminders_url(args.database_url)])
    if not args.skip_scale:
        print(flush=True)
        _scale(args)
    return 0


def _scale(args: argparse.Namespace) -> int:
    from bench import scale

    return scale.main(
        [
            "--database-url",
            scale.scale_url(args.database_url),
            "--scale-sizes",
            args.scale_sizes,
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
