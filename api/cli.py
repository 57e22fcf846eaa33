"""CLI: `flask db …` (Alembic, loaded lazily), `flask users …`, `flask demo …`, `flask jobs …`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext

from api.jobs import JOBS

MIGRATIONS = str(Path(__file__).parent / "migrations")
# Loggers a command quiets by default and `-v` opens: taskdesk's own and the migrations'.
CLI_LOGGERS = ("api", "handlers", "alembic", "flask_migrate")
_chosen: dict[str, int] = {}  # the verbosity a command line chose, once it was read


def set_verbosity(verbosity: int) -> None:
    """The CLI's logging: WARNING by default (quiet), INFO with -v, DEBUG with -vv.

    Only the commands of this module call it: `flask run` and the deployed app keep LOG_LEVEL.
    The levels before are restored when the command line's context closes (a test runner, or
    a process that runs several commands, keeps its own).
    """
    ctx = click.get_current_context(silent=True)
    if ctx is not None and "verbosity" not in _chosen:
        before = {name: logging.getLogger(name).level for name in CLI_LOGGERS}
        ctx.find_root().call_on_close(lambda: _restore(before))
    verbosity = max(verbosity, _chosen.get("verbosity", 0))  # `jobs -v reminders` or `reminders -v`
    _chosen["verbosity"] = verbosity
    level = (logging.WARNING, logging.INFO)[verbosity] if verbosity < 2 else logging.DEBUG
    for name in CLI_LOGGERS:
        logging.getLogger(name).setLevel(level)


def _restore(levels: dict[str, int]) -> None:
    _chosen.clear()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def verbosity() -> int:
    """The -v count of this command line (0 when none was given)."""
    return _chosen.get("verbosity", 0)


def _verbose(ctx: click.Context, param: click.Parameter, value: int) -> int:
    set_verbosity(value or 0)
    return value


verbose_option = click.option(
    "-v",
    "--verbose",
    count=True,
    is_eager=True,
    expose_value=False,
    callback=_verbose,
    help="Show progress and log lines (-vv: debug too). Quiet by default.",
)


class MigrationLocked(Exception):
    """Another session held the migration lock for MIGRATION_LOCK_TIMEOUT seconds
    (api/migrations/env.py). Not a RuntimeError: Flask-Migrate turns those into sys.exit(1),
    which would end a Lambda runtime process instead of failing the invocation."""


def init_migrate(app: Flask) -> None:
    """Bind Flask-Migrate to `app` (imports Alembic: CLI and migration jobs only)."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    from api.extensions import db

    Migrate(app, db, directory=MIGRATIONS, compare_type=True, render_as_batch=True)


def upgrade_database(app: Flask, revision: str = "head") -> None:
    """Apply migrations up to `revision` inside an app context."""
    from flask_migrate import upgrade

    init_migrate(app)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=revision)


class LazyDbGroup(click.Group):
    """`flask db`: Flask-Migrate's group, imported only when a db command runs."""

    def __init__(self, app: Flask, **kwargs: Any) -> None:
        super().__init__(
            name="db", help="Database migrations (Alembic).", callback=self._defaults, **kwargs
        )
        verbose_option(self)
        self._app = app

    @staticmethod
    def _defaults() -> None:
        # What Flask-Migrate's own group callback sets: the directory comes from init_migrate.
        from flask import g

        g.directory, g.x_arg = None, ()

    def _real(self) -> click.Group:
        if "verbosity" not in _chosen:  # `flask db --help` lists commands before -v is read
            set_verbosity(0)
        init_migrate(self._app)
        from flask_migrate.cli import db

        return db

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._real().get_command(ctx, name)


jobs_cli = verbose_option(
    click.Group(
        "jobs", help="Scheduled jobs: reminders, reports, outbox, escalate. Quiet by default."
    )
)


def _job_command(name: str) -> click.Command:
    @click.option("--now", type=click.DateTime(), default=None, help="Pretend time (UTC).")
    @verbose_option
    @with_appcontext
    def command(now: datetime | None) -> None:
        moment = now.replace(tzinfo=UTC) if now else None
        verbose = verbosity() > 0

        def progress(result: Any) -> None:
            fields = result.as_dict() if hasattr(result, "as_dict") else vars(result)
            shown = ", ".join(f"{k}={v}" for k, v in fields.items() if not isinstance(v, list))
            click.echo(f"  … {shown}", err=True)

        if verbose:
            click.echo(f"jobs {name}: running", err=True)
        summary = JOBS[name](now=moment, progress=progress if verbose else None)
        click.echo(f"jobs {name}: " + ", ".join(f"{k}={v}" for k, v in summary.items()))

    command.__doc__ = JOBS[name].__doc__
    return jobs_cli.command(name)(command)


for _name in JOBS:
    _job_command(_name)


@click.command("recount-tasks")
@with_appcontext
def recount_tasks_command() -> None:
    """Rebuild the task counters of the stats from the tasks table (after bulk writes)."""
    from api.db import unit_of_work
    from api.extensions import db
    from api.tasks import counters

    with unit_of_work():
        counters.recount(db.session)
    click.echo("task counters rebuilt")


def register(app: Flask) -> None:
    from api.demo import demo_cli
    from api.users.cli import users_cli

    app.cli.add_command(LazyDbGroup(app))
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(recount_tasks_command)
