"""Template filters and globals: local times, labels, badges, navigation, URLs that keep filters.

Every time is stored in UTC and shown in the signed-in person's own time zone (their profile).
Jinja autoescaping is on for every .html template, so user text is escaped wherever it is shown.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for

from api.db import utcnow
from api.permissions import Capability, can, role_may
from api.web.forms import after_post_url
from api.web.session import csrf_token, current_web_user

# Task and incident status, priority and severity each have their own colour scale (custom
# properties --td-<scale>-<value>-fg/-bg in app.css, WCAG AA in both themes) and their own
# icon, so colour is never the only cue: td-badge td-<scale> td-<scale>-<value>.
SCALES = {
    "TaskStatus": ("status", "Status"),
    "IncidentStatus": ("status", "Status"),
    "Priority": ("priority", "Priority"),
    "Severity": ("severity", "Severity"),
}
BADGES = {
    # visibility, accounts, outbox
    "public": "text-bg-light border",
    "restricted": "text-bg-dark",
    "active": "text-bg-success",
    "rejected": "text-bg-secondary",
    "disabled": "text-bg-dark",
    "sending": "text-bg-info",
    "sent": "text-bg-success",
    "delivered": "text-bg-success",
    "failed": "text-bg-warning",
    "dead": "text-bg-danger",
}


def _zone() -> ZoneInfo:
    user = current_web_user()
    name = user.timezone if user is not None else current_app.config["DEFAULT_TIMEZONE"]
    try:
        return ZoneInfo(name)
    except Exception:  # a zone removed from tzdata must not break a page
        return ZoneInfo("UTC")


def local(moment: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    """Format an aware datetime in the viewer's time zone ("" for None).

    Total: a stored value that the viewer's zone cannot represent (9999-12-31 23:59 UTC seen
    from east of UTC lies past year 9999) is shown in UTC instead of failing the page.
    """
    if moment is None:
        return ""
    try:
        return moment.astimezone(_zone()).strftime(fmt)
    except (OverflowError, ValueError):
        return f"{moment.strftime(fmt)} UTC"


def iso(moment: datetime | None) -> str:
    """ISO 8601 with offset, for <time datetime="...">."""
    return moment.isoformat() if moment is not None else ""


def utc(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    """Format an aware datetime in UTC ("" for None): the same text for every viewer (the
    public status page, its feed, exports)."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime(fmt)


def relative(moment: datetime | None, now: datetime | None = None) -> str:
    """A short distance from now: "in 3 days", "2 hours ago", "just now"."""
    if moment is None:
        return ""
    seconds = (moment - (now or utcnow())).total_seconds()
    future, span = seconds > 0, abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if span >= size:
            n = int(span // size)
            text = f"{n} {unit}{'' if n == 1 else 's'}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


def label(value: Any) -> str:
    """A machine value as words: "in_progress" -> "In progress"."""
    text = str(getattr(value, "value", value) or "")
    return text.replace("_", " ").capitalize()


def badge(value: Any) -> str:
    """Badge classes for a value: a task or incident status, priority or severity (an enum
    member) gets its scale's classes ("td-badge td-priority td-priority-high"); other values
    (visibility, account and outbox states) Bootstrap's."""
    scale = SCALES.get(type(value).__name__)
    if scale is not None:
        return f"td-badge td-{scale[0]} td-{scale[0]}-{value.value}"
    return BADGES.get(str(getattr(value, "value", value)), "text-bg-secondary")


def badge_kind(value: Any) -> str:
    """The scale a badge's value belongs to, in words ("Priority"), or "" for other values."""
    scale = SCALES.get(type(value).__name__)
    return scale[1] if scale else ""


def duration(seconds: float | None) -> str:
    """Seconds as "2 h 5 min" / "3 d 4 h" / "45 s"; an em dash when unknown."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def options(values: list[Any]) -> list[tuple[str, str]]:
    """Enum members as (value, label) pairs for a select."""
    return [(str(getattr(v, "value", v)), label(v)) for v in values]


def people_options(people: list[Any]) -> list[tuple[str, str]]:
    """Users as (id, "username (role)") pairs for a select."""
    return [(str(p.id), f"{p.username} ({p.role.value})") for p in people]


def project_options(projects: list[Any]) -> list[tuple[str, str]]:
    """Projects as (key, "KEY · name") pairs for a select."""
    return [(p.key, f"{p.key} · {p.name}") for p in projects]


def project_groups(projects: list[Any], by_project: Any) -> list[tuple[Any, list[Any]]]:
    """[(project, its items)] for a select grouped by project; `by_project` maps project id
    to items (people or labels)."""
    return [(p, list(by_project.get(p.id, []))) for p in projects if by_project.get(p.id)]


def my_projects() -> list[Any]:
    """The open projects of the signed-in person (administrators: all), for the switcher."""
    from api.projects.service import list_visible  # loaded on first use (adapter -> service)

    user = current_web_user()
    return list_visible(user, include_archived=False) if user is not None else []


def my_views() -> list[Any]:
    """The saved views the signed-in person sees (their own first), for the project menu."""
    from api.saved_views.service import list_views  # loaded on first use (adapter -> service)

    user = current_web_user()
    return list_views(actor=user) if user is not None else []


def url_with(**changes: Any) -> str:
    """This page's URL with some query arguments changed (None removes one); lists repeat keys.

    Filters, sort and page stay in the URL, so every link and the browser's back button keep them.
    """
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "" or value == []:
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [value]
    query = urlencode([(k, v) for k, values in args.items() for v in values])
    return request.path + (f"?{query}" if query else "")


MENU = (
    ("Dashboard", "web.dashboard"),
    ("Tasks", "tasks_web.index"),
    ("Projects", "projects_web.index"),
    ("Incidents", "incidents_web.index"),
    ("Report an incident", "incidents_web.report"),
    ("Stats", "stats_web.index"),
)
# Pages that administer taskdesk itself: one "Admin" menu, so the bar fits a 1366 px laptop.
ADMIN_MENU = (
    ("Registrations", "users_web.registrations"),
    ("Users", "users_web.users"),
    ("Email outbox", "outbox_web.index"),
    ("Webhooks", "webhooks_web.index"),
)


def _page_open_to(endpoint: str, user: Any) -> bool:
    """Whether the page guard of `endpoint` lets `user` in (its capability, api/permissions)."""
    capability = getattr(current_app.view_functions[endpoint], "capability", None)
    return capability is None or role_may(user.role, capability)


def may(capability: str) -> bool:
    """Template global: whether the signed-in person holds `capability` ("task.create") on
    every object (api/permissions.py `can`). Object actions come from the services
    (`allowed_actions`, `allowed_statuses`)."""
    return can(current_web_user(), Capability(capability))


def navigation(menu: str = "main") -> list[dict[str, Any]]:
    """A menu (`main`, or `admin`: ADMIN_MENU): the pages whose guard lets the signed-in person
    in, [{"label", "endpoint", "url", "active"}]."""
    user = current_web_user()
    if user is None:
        return []
    entries = ADMIN_MENU if menu == "admin" else MENU
    items = [(text, endpoint) for text, endpoint in entries if _page_open_to(endpoint, user)]
    current_bp = request.blueprint
    return [
        {
            "label": text,
            "endpoint": endpoint,
            "url": url_for(endpoint),
            "active": request.endpoint == endpoint
            or (
                endpoint.endswith(".index")
                and current_bp == endpoint.partition(".")[0]
                and request.endpoint != "incidents_web.report"
            ),
        }
        for text, endpoint in items
    ]


def register(app: Flask) -> None:
    """Install the filters and globals on the app's Jinja environment."""
    app.jinja_env.filters.update(
        local=local,
        iso=iso,
        utc=utc,
        relative=relative,
        label=label,
        badge=badge,
        badge_kind=badge_kind,
        duration=duration,
    )
    app.jinja_env.globals.update(
        csrf_token=csrf_token,
        current_user=current_web_user,
        may=may,
        navigation=navigation,
        url_with=url_with,
        options=options,
        people_options=people_options,
        project_options=project_options,
        project_groups=project_groups,
        my_projects=my_projects,
        my_views=my_views,
        now=utcnow,
        after_post_url=after_post_url,
    )
