"""`flask jobs reminders|reports|outbox`, and JOBS: the job functions every entry point shares."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from flask.cli import with_appcontext


def reminders(now: datetime | None = None, progress: Any = None) -> dict[str, Any]:
    """Run the reminders job; returns its counts."""
    from api.notifications.jobs import run_reminders

    return run_reminders(now=now, progress=progress).as_dict()


def reports(now: datetime | None = None, progress: Any = None) -> dict[str, Any]:
    """Run the weekly summary report job; returns its counts."""
    from api.reports.jobs import run_weekly

    return run_weekly(now=now)


def outbox(now: datetime | None = None, progress: Any = None) -> dict[str, Any]:
    """Run the outbox retry job; returns its counts."""
    from api.notifications.delivery import run_outbox

    result = run_outbox(now=now, progress=progress)
    return {
        "claimed": result.claimed,
        "sent": result.sent,
        "deferred": result.deferred,
        "failed": result.failed,
        "dead": result.dead,
    }


JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "reminders": reminders,
    "reports": reports,
    "outbox": outbox,
}

jobs_cli = click.Group("jobs", help="Scheduled jobs: reminders, reports, outbox.")


def _command(name: str) -> click.Command:
    @click.option("--now", type=click.DateTime(), default=None, help="Pretend time (UTC).")
    @with_appcontext
    def command(now: datetime | None) -> None:
        from datetime import UTC

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
    _command(_name)
