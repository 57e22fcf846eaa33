"""CLI: `flask db …` (Alembic, loaded lazily), `flask users …`, `flask demo …`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask

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


def register(app: Flask) -> None:
    from api.demo import demo_cli
    from api.notifications.cli import jobs_cli
    from api.users.cli import users_cli

    app.cli.add_command(LazyDbGroup(app))
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(jobs_cli)
