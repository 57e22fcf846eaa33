"""`flask users create-admin`: the first admin comes from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from api.errors import DomainError

users_cli = click.Group("users", help="Manage user accounts.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--username", prompt=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="TASKDESK_ADMIN_PASSWORD",
    help="Or set TASKDESK_ADMIN_PASSWORD.",
)
@with_appcontext
def create_admin(email: str, username: str, password: str) -> None:
    """Create an active admin account."""
    from api.users import service

    try:
        user = service.create_admin(email=email, username=username, password=password)
    except DomainError as exc:
        detail = f" {exc.errors}" if exc.errors else ""
        raise click.ClickException(f"{exc.message}{detail}") from exc
    click.echo(f"Created admin {user.username} <{user.email}> (id {user.id}).")
