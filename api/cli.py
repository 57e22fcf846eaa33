"""CLI: `flask db …` (Alembic, loaded lazily), `flask users …`, `flask demo …`, `flask jobs …`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext

from api.jobs import JOBS

MIGRATIONS = str(Path(__file__).parent / "migrations")


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
        self._app = app

    @staticmethod
    def _defaults() -> None:
        # What Flask-Migrate's own group callback sets: the directory comes from init_migrate.
        from flask import g

        g.directory, g.x_arg = None, ()

    def _real(self) -> click.Group:
        init_migrate(self._app)
        from flask_migrate.cli import db

        return db

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._real().get_command(ctx, name)


jobs_cli = click.Group("jobs", help="Scheduled jobs: reminders, reports, outbox.")


def _job_command(name: str) -> click.Command:
    @click.option("--now", type=click.DateTime(), default=None, help="Pretend time (UTC).")
    @with_appcontext
    def command(now: datetime | None) -> None:
        moment = now.replace(tzinfo=UTC) if now else None

        def progress(result: Any) -> None:
            fields = result.as_dict() if hasattr(result, "as_dict") else vars(result)
            shown = ", ".join(f"{k}={v}" for k, v in fields.items() if not isinstance(v, list))
            click.echo(f"  … {shown}", err=True)

        click.echo(f"jobs {name}: running", err=True)
        summary = JOBS[name](now=moment, progress=progress)
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
