"""Screenshots of every page at 1366x900 and 390x844, light and dark, for a person to look at
(artifacts/screenshots/<page>-<desktop|phone>-<light|dark>.png). Each page is also checked
for what a screenshot cannot show reliably: no horizontal overflow, no CSP error, no 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.db import utcnow
from api.incidents import service as incidents_service
from api.incidents.models import Severity
from api.tasks import service as tasks_service
from api.tasks.models import Priority, TaskStatus
from tests.browser.conftest import DESKTOP, PHONE, open_page, open_phone_menu
from tests.incidents import factories as incidents

pytestmark = pytest.mark.browser

SIZES = {"desktop": DESKTOP, "phone": PHONE}
THEMES = {"light": False, "dark": True}
TASKS = [
    ("Renew the TLS certificate for the billing API", TaskStatus.IN_PROGRESS, Priority.URGENT, -2),
    ("Write the on-call handbook", TaskStatus.PENDING, Priority.NORMAL, 4),
    ("Migrate the nightly backup to the new bucket", TaskStatus.PENDING, Priority.HIGH, 1),
    ("Review the access list of the staging cluster", TaskStatus.COMPLETED, Priority.LOW, -5),
    ("Archive last quarter's support tickets", TaskStatus.PENDING, Priority.LOW, None),
]
INCIDENTS = [
    ("Checkout page returns 502 for one request in five", "critical", "reported", None),
    ("Search results are stale by two hours", "high", "investigating", "mona"),
    ("Password reset emails arrive late", "medium", "reported", None),
    ("Dashboard chart misaligned in Safari", "low", "resolved", "mona"),
]


@pytest.fixture
def world(make):
    admin = make.user(role="admin", username="ada", timezone="Europe/Paris")
    manager = make.user(role="manager", username="mona", timezone="America/New_York")
    employee = make.user(role="employee", username="eli", timezone="Asia/Kolkata")
    make.user(role="employee", username="newcomer", status="pending")
    people = {"mona": manager, "eli": employee}
    for title, status, priority, days in TASKS:
        make.task(
            title=title,
            description="What to do, why, and who to ask.\nSecond line.",
            created_by=manager,
            assignee=employee if priority != Priority.URGENT else manager,
            status=status,
            priority=priority,
            deadline=utcnow() + timedelta(days=days) if days is not None else None,
        )
    tasks_service.create(
        data={"title": "Rotate the signing keys", "assignee_id": employee.id}, actor=manager
    )
    made = []
    for title, severity, status, assignee in INCIDENTS:
        made.append(
            incidents.incident(
                title=title,
                description="Seen from 09:10; about one request in five fails.",
                reporter=employee,
                assignee=people.get(assignee),
                severity=severity,
                status=status,
            )
        )
    incidents.response(made[1], manager, "Rolling back the 09:05 deploy.")
    incidents_service.report(
        data={"title": "VPN drops every hour", "severity": Severity.HIGH}, actor=employee
    )
    return {
        "admin": admin,
        "manager": manager,
        "employee": employee,
        "task": tasks_service.create(data={"title": "Plan the game day"}, actor=manager),
        "incident": made[1],
    }


def _pages(world) -> list[tuple[str, str | None, str]]:
    """(name, who, path) for every page."""
    task, incident = world["task"].id, world["incident"].public_id
    return [
        ("sign-in", None, "/sign-in"),
        ("register", None, "/register"),
        ("password-reset", None, "/password-reset"),
        ("password-reset-confirm", None, "/password-reset/confirm?token=x"),
        ("dashboard-employee", "employee", "/dashboard"),
        ("dashboard-manager", "manager", "/dashboard"),
        ("dashboard-admin", "admin", "/dashboard"),
        ("tasks", "manager", "/tasks"),
        ("tasks-filtered", "manager", "/tasks?status=pending&status=in_progress&priority=high"),
        ("tasks-employee", "employee", "/tasks"),
        ("task-new", "manager", "/tasks/new"),
        ("task-detail", "manager", f"/tasks/{task}"),
        ("task-edit", "manager", f"/tasks/{task}/edit"),
        ("incidents-triage", "manager", "/incidents"),
        ("incidents-employee", "employee", "/incidents"),
        ("incident-report", "employee", "/incidents/new"),
        ("incident-detail", "manager", f"/incidents/{incident}"),
        ("stats", "manager", "/stats"),
        ("search", "manager", "/search?q=backup"),
        ("profile", "employee", "/profile"),
        ("admin-registrations", "admin", "/admin/registrations"),
        ("admin-users", "admin", "/admin/users"),
        ("admin-outbox", "admin", "/admin/outbox"),
        ("error-403", "employee", "/stats"),
        ("error-404", "employee", "/no-such-page"),
    ]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_every_page(live_server, chromium, app, world, shots, size, theme):
    pages: dict[str | None, object] = {}
    problems: list[str] = []
    for name, who, path in _pages(world):
        if who not in pages:
            page = open_page(
                chromium,
                app,
                live_server.url,
                world[who] if who else None,
                viewport=SIZES[size],
                dark=THEMES[theme],
            )
            page.on(
                "console",
                lambda msg, n=name: (
                    problems.append(f"{n}: {msg.text}")
                    if "Content Security Policy" in msg.text
                    else None
                ),
            )
            pages[who] = page
        page = pages[who]
        response = page.goto(path)
        assert response is not None and response.status < 500, (name, response and response.status)
        assert page.evaluate("document.documentElement.dataset.bsTheme") == theme
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            problems.append(f"{name}: wider than the window")
        shots(page, f"{name}-{size}-{theme}")
    if size == "phone":
        page = pages["admin"]
        page.goto("/dashboard")
        open_phone_menu(page)
        shots(page, f"menu-open-{size}-{theme}")
    assert problems == []
