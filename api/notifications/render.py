"""Render an email from `api/templates/email/<kind>.txt` and `.html` (both extend a base).

The subject is the `subject` block of the text template, collapsed to one line, so no CR or LF
from user data (a task title, say) can reach a header. Links are absolute, built from
APP_BASE_URL. HTML is autoescaped; the text part is not (it is not HTML).
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from api.notifications.models import EmailKind

# Emails a user may not turn off: account decisions and security. Every other kind carries a
# link to the notification preferences.
ESSENTIAL = frozenset(
    {
        EmailKind.REGISTRATION_RECEIVED,
        EmailKind.REGISTRATION_WAITING,
        EmailKind.REGISTRATION_ATTEMPT,
        EmailKind.ACCOUNT_APPROVED,
        EmailKind.ACCOUNT_REJECTED,
        EmailKind.PASSWORD_RESET,
    }
)
SUBJECT_MAX = 255


def link(path: str) -> str:
    """An absolute URL under APP_BASE_URL for `path` (which starts with "/")."""
    return current_app.config["APP_BASE_URL"].rstrip("/") + path


def one_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """Collapse every run of whitespace (CR and LF included) to one space, then cut to `limit`."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render(kind: EmailKind, context: dict[str, Any]) -> tuple[str, str, str]:
    """Return (subject, text, html) for `kind`. Raises jinja2 TemplateNotFound for a new kind."""
    env = current_app.jinja_env
    values = {
        "kind": kind.value,
        "base_url": current_app.config["APP_BASE_URL"].rstrip("/"),
        "preferences_url": None if kind in ESSENTIAL else link("/profile#notifications"),
        "link": link,
        **context,
    }
    text_template = env.get_template(f"email/{kind.value}.txt")
    html_template = env.get_template(f"email/{kind.value}.html")
    subject_block = text_template.blocks["subject"]
    subject = one_line("".join(subject_block(text_template.new_context(values))))
    values["subject"] = subject
    text = text_template.render(values).strip() + "\n"
    html = html_template.render(values)
    return subject, text, html
