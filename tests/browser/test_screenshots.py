"""Screenshots of every page at 1366x900 and 390x844, light and dark, for a person to look at
(artifacts/screenshots/<page>-<desktop|phone>-<light|dark>.png). Each page is also checked
for what a screenshot cannot show reliably: no horizontal overflow, no CSP error, no 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.auth import personal_tokens
from api.db import utcnow
from api.extensions import db
from api.incidents import followups, links, reviews
from api.incidents import service as incidents_service
from api.incidents.models import Severity
from api.tasks import service as tasks_service
from api.tasks.models import Priority, TaskStatus
from tests.browser.conftest import DESKTOP, PHONE, open_page, open_phone_menu
from tests.incidents import factories as incidents
from tests.webhooks.screens import webhooks_world

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
    made[1].lead = manager
    db.session.commit()
    incidents_service.respond(
        public_id=made[1].public_id,
        body="Search results may be up to **two hours** old; a fix is rolling out.",
        actor=manager,
        public=True,
    )
    resolved = made[3]
    for title in ("Add a visual test for Safari", "Pin the chart library version"):
        followups.create(public_id=resolved.public_id, data={"title": title}, actor=manager)
    reviews.save(
        public_id=resolved.public_id,
        changes={
            "summary": "The dashboard chart was **misaligned** in Safari 17 for two days.",
            "impact": "Managers on Safari read the wrong week's bars.",
            "root_cause": "A flexbox gap the chart library does not support there.",
        },
        actor=manager,
        if_match=None,
    )
    incidents_service.report(
        data={"title": "VPN drops every hour", "severity": Severity.HIGH}, actor=employee
    )
    _tokens(employee)
    make.project("OPS", name="Operations", members={manager: "lead", employee: "member"})
    return {
        "webhook": webhooks_world(admin),
        "admin": admin,
        "manager": manager,
        "employee": employee,
        "task": tasks_service.create(data={"title": "Plan the game day"}, actor=manager),
        "incident": made[1],
        "unacknowledged": made[0],
        "resolved": resolved,
    }


def _acknowledge_link(world) -> str:
    """The acknowledge link of the critical incident nobody acknowledged, made for the manager."""
    public_id = world["unacknowledged"].public_id
    return links.acknowledge_path(public_id, world["manager"].id)


def _tokens(person) -> None:
    """Two API tokens of `person`: one in use, one expired."""
    used, _ = personal_tokens.create(
        actor=person,
        name="Nightly export to the data warehouse",
        scopes=["tasks:read", "incidents:read"],
        expires_at=utcnow() + timedelta(days=90),
    )
    used.last_used_at = utcnow() - timedelta(hours=2)
    expired, _ = personal_tokens.create(
        actor=person, name="CI", scopes=["tasks:write"], expires_at=utcnow() + timedelta(days=7)
    )
    expired.created_at -= timedelta(days=30)
    expired.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()


def _pages(world) -> list[tuple[str, str | None, str]]:
    """(name, who, path) for every page."""
    task, incident = world["task"].id, world["incident"].public_id
    resolved = world["resolved"].public_id
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
        ("board", "manager", "/projects/GEN/board"),
        ("board-employee", "employee", "/projects/GEN/board?priority=high&priority=normal"),
        ("task-new", "manager", "/tasks/new"),
        ("task-detail", "manager", f"/tasks/{task}"),
        ("task-edit", "manager", f"/tasks/{task}/edit"),
        ("incidents-triage", "manager", "/incidents"),
        ("incidents-employee", "employee", "/incidents"),
        ("incident-report", "employee", "/incidents/new"),
        ("incident-detail", "manager", f"/incidents/{incident}"),
        ("incident-acknowledge", "manager", _acknowledge_link(world)),
        ("project-import", "manager", "/projects/OPS/import"),
        ("incident-follow-ups", "manager", f"/incidents/{resolved}"),
        ("incident-follow-up-new", "manager", f"/incidents/{resolved}/follow-ups/new"),
        ("incident-review", "manager", f"/incidents/{resolved}/review"),
        ("status", None, "/status"),
        ("stats", "manager", "/stats"),
        ("search", "manager", "/search?q=backup"),
        ("profile", "employee", "/profile"),
        ("admin-registrations", "admin", "/admin/registrations"),
        ("admin-users", "admin", "/admin/users"),
        ("admin-outbox", "admin", "/admin/outbox"),
        ("admin-webhooks", "admin", "/admin/webhooks"),
        ("admin-webhook-edit", "admin", f"/admin/webhooks/{world['webhook']}"),
        ("admin-webhook-deliveries", "admin", "/admin/webhooks/deliveries"),
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
    page = pages["employee"]
    page.goto("/profile#api-tokens")
    page.fill("#name", "Status page sync")
    page.check("#scope-incidents-write")
    page.click("[data-testid=create-token]")
    page.wait_for_selector("[data-testid=new-token]")
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        problems.append("profile-token-created: wider than the window")
    shots(page, f"profile-token-created-{size}-{theme}")
    page = pages["admin"]
    page.goto("/admin/webhooks")
    page.fill("#url", "https://93.184.215.14/hooks/taskdesk")
    page.check("input[value='incident.reported']")
    page.click("button:has-text('Add webhook')")
    page.wait_for_selector("[data-testid=webhook-secret]")
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        problems.append("admin-webhook-added: wider than the window")
    shots(page, f"admin-webhook-added-{size}-{theme}")
    page = pages["manager"]
    page.goto("/tasks")
    for box in page.locator("input[data-bulk-row]").all()[:2]:
        box.check()
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        problems.append("tasks-selected: wider than the window")
    shots(page, f"tasks-selected-{size}-{theme}")
    if size == "phone":
        page = pages["admin"]
        page.goto("/dashboard")
        open_phone_menu(page)
        shots(page, f"menu-open-{size}-{theme}")
    assert problems == []
