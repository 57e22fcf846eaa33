"""`flask users create-admin`: the first admin comes from the command line.

The email and username are checked (the register form's rules, and not taken) as soon as they
are given, before the password is asked for; errors are printed as sentences, one per line.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from api.cli import verbose_option
from api.errors import DomainError

users_cli = verbose_option(click.Group("users", help="Manage user accounts. Quiet by default."))


def _problems_text(problems: dict[str, list[str]]) -> str:
    """{field: [message]} as lines a person reads: the messages only, each once."""
    lines: list[str] = []
    for messages in problems.values():
        lines.extend(m for m in messages if m not in lines)
    return "\n".join(lines)


def _check(field: str):
    """A click callback checking one account field with the service's rules (re-prompts when
    the value was typed at a prompt; fails the command when it came as an option)."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return value
        from api.users import service

        problems = service.account_problems(**{field: value}, email_must_be_free=True)
        if problems:
            raise click.BadParameter(_problems_text(problems), ctx=ctx, param=param)
        return value

    return callback


def _error_text(error: DomainError) -> str:
    """A service refusal as sentences: the field messages, else the message."""
    fields = (error.errors or {}).get("json") or {}
    text = _problems_text(fields) if isinstance(fields, dict) else ""
    return text or error.message


@users_cli.command("create-admin")
@click.option(
    "--email",
    prompt="Email",
    callback=_check("email"),
    help="The admin's email address (the same addresses the register form accepts).",
)
@click.option(
    "--username",
    prompt="Username",
    callback=_check("username"),
    help="3 to 32 letters, digits, dots, dashes or underscores; must not be taken.",
)
@click.option(
    "--password",
    envvar="TASKDESK_ADMIN_PASSWORD",
    default=None,
    help="The password (at least 8 characters, not a common one). Prompted for, hidden and "
    "twice, when neither this nor TASKDESK_ADMIN_PASSWORD is given.",
)
@verbose_option
@with_appcontext
def create_admin(email: str, username: str, password: str | None) -> None:
    """Create an active admin account."""
    from api.users import service

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = service.create_admin(email=email, username=username, password=password)
    except DomainError as exc:
        raise click.ClickException(_error_text(exc)) from exc
    click.echo(f"Created admin {user.username} <{user.email}> (id {user.id}).")
