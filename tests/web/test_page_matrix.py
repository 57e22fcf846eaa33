"""The role x route matrix of the UI's forms: every HTML POST endpoint, every caller, own and
others' objects, and what the database holds afterwards.

A case names the status each caller gets. A success is a redirect (302) somewhere other than the
sign-in page; an anonymous caller is sent to sign in ("sign-in"); a refusal is the UI's 403 or
404 page or the form again (422). Every case also says which object it changes (`watch`): a
success must change it, anything else must leave it as it was. `test_every_post_has_a_case`
fails when a UI endpoint accepting POST has no case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from api.auth import personal_tokens
from api.auth.models import PersonalToken
from api.calendars.models import CalendarToken
from api.comments.models import TaskComment, TaskWatcher
from api.db import utcnow
from api.extensions import db
from api.inbox.models import Notification, NotificationKind, NotificationPreference
from api.incidents import links
from api.incidents.models import (
    Incident,
    IncidentFollowUp,
    IncidentResponse,
    IncidentReview,
    Visibility,
)
from api.notifications.models import OutboxEmail, OutboxStatus
from api.projects.models import Label, Project, ProjectMember
from api.saved_views.models import SavedView
from api.tasks.models import Task
from api.users.models import User, UserStatus
from api.web.blueprints import WEB_BLUEPRINTS
from api.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from tests.factories import PASSWORD
from tests.incidents import factories
from tests.route_matrix.notifications import _email
from tests.route_matrix.webhooks import PUBLIC_URL, _delivery, _webhook
from tests.web.conftest import WebClient

CALLERS = ("anonymous", "employee", "manager", "admin")
SIGN_IN = "sign-in"


@dataclass(frozen=True)
class Page:
    """One form post: `path` and `data` take {placeholders} from the world; `expect` maps every
    caller to a status (or SIGN_IN); `watch` names a fingerprint of the world (see WATCHES)."""

    path: str
    expect: dict[str, int | str]
    data: dict[str, str]
    watch: str
    label: str = ""


def expect(anonymous: int | str, employee: int, manager: int, admin: int) -> dict[str, int | str]:
    return dict(zip(CALLERS, (anonymous, employee, manager, admin), strict=True))


def staff(code: int, employee: int) -> dict[str, int | str]:
    """Managers and admins get `code`, employees `employee`, anonymous callers the sign-in."""
    return expect(SIGN_IN, employee, code, code)


ANYONE = expect(SIGN_IN, 302, 302, 302)
LEAD_NOT_MANAGER = expect(
    SIGN_IN, 302, 403, 302
)  # PLED: the employee leads, the manager is a member
OUTSIDE = expect(SIGN_IN, 404, 404, 302)  # POUT: neither is a member
ADMIN = expect(SIGN_IN, 403, 403, 302)

CASES = [
    # The employee leads PLED, so the form is theirs; without a project the task would go to
    # General, where they are a plain member: the form again.
    Page("/tasks/new", staff(302, 422), {"title": "New from the form"}, "task_count"),
    Page("/tasks/{own_task}/edit", staff(302, 403), {"title": "Edited"}, "own_task"),
    Page("/tasks/{others_task}/edit", staff(302, 404), {"title": "Edited"}, "others_task"),
    Page("/tasks/{own_task}/status", ANYONE, {"status": "in_progress"}, "own_task", "own"),
    Page(
        "/tasks/{others_task}/status",
        staff(302, 404),
        {"status": "in_progress"},
        "others_task",
        "others'",
    ),
    Page(
        "/tasks/{own_task}/assign",
        staff(302, 403),
        {"assignee_id": "{other_employee}"},
        "own_task",
    ),
    Page("/tasks/{own_task}/delete", staff(302, 403), {}, "own_task", "own"),
    Page("/tasks/{others_task}/delete", staff(302, 404), {}, "others_task", "others'"),
    # the board's move and the list's bulk form: the same rules as the single change
    Page(
        "/projects/GEN/board/move",
        ANYONE,
        {"task_id": "{own_task}", "status": "in_progress"},
        "own_task",
        "own",
    ),
    Page(
        "/projects/OTHR/board/move",
        staff(302, 404),
        {"task_id": "{others_task}", "status": "in_progress"},
        "others_task",
        "others'",
    ),
    Page("/tasks/bulk", ANYONE, {"ids": "{own_task}", "status": "in_progress"}, "own_task", "own"),
    Page("/tasks/bulk", staff(302, 403), {"ids": "{own_task}", "priority": "high"}, "own_task"),
    Page(
        "/tasks/bulk",
        staff(302, 404),
        {"ids": "{others_task}", "status": "in_progress"},
        "others_task",
        "others'",
    ),
    Page("/tasks/bulk", expect(SIGN_IN, 422, 422, 422), {"ids": "{own_task}"}, "own_task", "blank"),
    # projects: the employee leads PLED (the manager is a member there); POUT has neither
    Page("/projects", staff(302, 403), {"key": "NEWP", "name": "New"}, "projects", "create"),
    Page("/projects/PLED/edit", LEAD_NOT_MANAGER, {"name": "Renamed"}, "projects", "lead"),
    Page("/projects/POUT/edit", OUTSIDE, {"name": "Renamed"}, "projects", "outsider"),
    Page("/projects/PLED/archive", LEAD_NOT_MANAGER, {"archived": "1"}, "projects"),
    Page(
        "/projects/PLED/members",
        LEAD_NOT_MANAGER,
        {"user_id": "{other_employee}", "role": "viewer"},
        "projects",
    ),
    Page("/projects/PLED/members/{other_employee}/remove", LEAD_NOT_MANAGER, {}, "projects"),
    Page("/projects/PLED/labels", LEAD_NOT_MANAGER, {"name": "new"}, "projects"),
    Page("/projects/PLED/labels/{pled_label}/delete", LEAD_NOT_MANAGER, {}, "projects"),
    Page("/projects/POUT/labels/{pout_label}/delete", OUTSIDE, {}, "projects", "outsider"),
    # comments, watchers, the inbox (issue 14)
    Page("/tasks/{col_task}/comments", ANYONE, {"body": "Hello"}, "comments", "own"),
    Page("/tasks/{hid_task}/comments", staff(302, 404), {"body": "Hi"}, "comments", "others'"),
    Page(
        "/tasks/{col_task}/comments",
        expect(SIGN_IN, 422, 422, 422),
        {"body": "  "},
        "comments",
        "blank",
    ),
    Page(
        "/tasks/{col_task}/comments",
        expect(SIGN_IN, 200, 200, 200),
        {"body": "**bold**", "preview": "1"},
        "comments",
        "preview",
    ),
    Page(
        "/tasks/{col_task}/comments/{own_comment}/edit",
        expect(SIGN_IN, 302, 403, 403),
        {"body": "Edited"},
        "own_comment",
        "employee's",
    ),
    Page(
        "/tasks/{col_task}/comments/{managers_comment}/edit",
        expect(SIGN_IN, 403, 302, 403),
        {"body": "Edited"},
        "managers_comment",
        "manager's",
    ),
    Page(
        "/tasks/{col_task}/comments/{own_comment}/edit",
        expect(SIGN_IN, 422, 422, 422),
        {"body": ""},
        "own_comment",
        "blank",
    ),
    Page(
        "/tasks/{col_task}/comments/{managers_comment}/delete",
        expect(SIGN_IN, 403, 302, 302),
        {},
        "comments",
        "manager's",
    ),
    Page(
        "/tasks/{hid_task}/comments/{others_comment}/delete",
        staff(302, 404),
        {},
        "comments",
        "others' task",
    ),
    Page("/tasks/{watch_task}/watch", ANYONE, {}, "watchers", "visible"),
    Page("/tasks/{hid_task}/watch", staff(302, 404), {}, "watchers", "others'"),
    Page("/tasks/{col_task}/unwatch", ANYONE, {}, "watchers", "watching"),
    Page("/inbox/read", ANYONE, {"all": "1"}, "unread"),
    Page("/inbox/read", expect(SIGN_IN, 422, 422, 422), {}, "unread", "neither"),
    Page("/profile/notifications", ANYONE, {"pref_mentioned": "both"}, "preferences"),
    Page(
        "/profile/notifications",
        expect(SIGN_IN, 422, 422, 422),
        {"pref_mentioned": "loudly"},
        "preferences",
        "bad channel",
    ),
    Page("/incidents/new", ANYONE, {"title": "Printer on fire"}, "incident_count"),
    Page("/incidents/{public}/responses", ANYONE, {"body": "On it."}, "responses", "public"),
    Page(
        "/incidents/{hidden}/responses",
        staff(302, 404),
        {"body": "On it."},
        "responses",
        "others' restricted",
    ),
    Page(
        "/incidents/{public}/update",
        staff(302, 403),
        {"severity": "critical"},
        "public",
        "bystander",
    ),
    Page(
        "/incidents/{assigned}/update",
        ANYONE,
        {"severity": "high", "assignee_id": "{employee}"},
        "assigned",
        "assignee triages",
    ),
    Page(
        "/incidents/{hidden}/update",
        staff(302, 404),
        {"status": "investigating"},
        "hidden",
        "others' restricted",
    ),
    Page(
        "/incidents/{public}/update", staff(302, 403), {"lead_id": "{manager_id}"}, "public", "lead"
    ),
    # the acknowledge link of the manager's email: theirs alone (tests/incidents/test_acknowledge_link.py)
    Page(
        "/incidents/{public}/acknowledge",
        expect(SIGN_IN, 403, 302, 403),
        {"token": "{ack_manager}"},
        "public",
        "the manager's link",
    ),
    Page(
        "/incidents/{public}/acknowledge",
        expect(SIGN_IN, 422, 422, 422),
        {"token": "forged"},
        "public",
        "forged link",
    ),
    Page(
        "/incidents/{public}/responses",
        staff(302, 403),
        {"body": "Fixed for everyone.", "public": "on"},
        "responses",
        "marked public",
    ),
    Page(
        "/incidents/{assigned}/follow-ups/new",
        ANYONE,
        {"title": "Add an alarm", "project": "PLED"},
        "follow_ups",
        "assignee",
    ),
    Page(
        "/incidents/{public}/follow-ups/new",
        staff(302, 403),
        {"title": "Add an alarm", "project": "PLED"},
        "follow_ups",
        "bystander",
    ),
    Page(
        "/incidents/{hidden}/follow-ups/new",
        staff(302, 404),
        {"title": "Add an alarm", "project": "PLED"},
        "follow_ups",
        "others' restricted",
    ),
    Page(
        "/incidents/{assigned}/follow-ups/new",
        expect(SIGN_IN, 422, 422, 422),
        {"title": " ", "project": "PLED"},
        "follow_ups",
        "blank title",
    ),
    Page("/incidents/{resolved}/review", staff(302, 403), {"summary": "What broke"}, "review"),
    Page(
        "/incidents/{public}/review",
        staff(409, 403),
        {"summary": "Too soon"},
        "review",
        "not resolved",
    ),
    Page(
        "/incidents/{resolved}/review",
        expect(SIGN_IN, 422, 422, 422),
        {"summary": "x" * 20_001},
        "review",
        "too long",
    ),
    Page("/admin/registrations/{registrant}/approve", ADMIN, {"role": "employee"}, "registrant"),
    Page("/admin/registrations/{registrant}/reject", ADMIN, {}, "registrant"),
    Page("/admin/users/{other_employee}", ADMIN, {"role": "manager"}, "other_employee"),
    Page("/admin/users/{other_employee}/delete", ADMIN, {}, "other_employee"),
    Page("/admin/outbox/{dead_email}/requeue", ADMIN, {}, "dead_email"),
    Page(
        "/admin/webhooks",
        expect(SIGN_IN, 403, 403, 422),
        {"url": PUBLIC_URL, "format": "standard"},
        "webhooks",
        "no events",
    ),
    Page(
        "/admin/webhooks/{webhook}",
        ADMIN,
        {"url": PUBLIC_URL, "format": "slack", "events": "task.created"},
        "webhooks",
    ),
    Page("/admin/webhooks/{doomed_webhook}/delete", ADMIN, {}, "webhooks"),
    Page("/admin/webhooks/deliveries/{dead_delivery}/redeliver", ADMIN, {}, "dead_delivery"),
    Page("/profile", ANYONE, {"timezone": "Europe/Paris"}, "callers"),
    Page(
        "/profile/password",
        expect(SIGN_IN, 302, 302, 302),
        {
            "current_password": PASSWORD,
            "new_password": "a new and long passphrase 7",
            "new_password_confirm": "a new and long passphrase 7",
        },
        "callers",
    ),
    Page("/sign-out", ANYONE, {}, "nothing"),
    # personal access tokens: created on the profile page (201: the page shows the secret once)
    Page(
        "/profile/tokens",
        expect(SIGN_IN, 201, 201, 201),
        {"name": "ci", "scopes": "tasks:read", "expires_in": "30"},
        "tokens",
    ),
    Page(
        "/profile/tokens",
        expect(SIGN_IN, 422, 422, 201),
        {"name": "ci", "scopes": "admin", "expires_in": "30"},
        "tokens",
        "admin scope",
    ),
    Page(
        "/profile/tokens",
        expect(SIGN_IN, 422, 422, 422),
        {"name": "ci", "scopes": "tasks:read", "expires_in": "1000"},
        "tokens",
        "bad expiry",
    ),
    Page("/profile/tokens/{employee_token}/revoke", expect(SIGN_IN, 302, 404, 404), {}, "tokens"),
    Page(
        "/profile/sign-in-providers/{missing}/unlink",
        expect(SIGN_IN, 404, 404, 404),
        {},
        "nothing",
        "no such link",
    ),
]
# Pages open to anyone: their own tests (tests/auth, tests/web) cover them in depth; here each
# is posted once by every caller with input that changes nothing.
PUBLIC = [
    Page("/sign-in", expect(401, 401, 401, 401), {"login": "nobody", "password": "x"}, "nothing"),
    Page("/register", expect(422, 422, 422, 422), {"email": "not an email"}, "nothing"),
    Page("/password-reset", expect(422, 422, 422, 422), {"email": ""}, "nothing"),
    # CSV import (the project's leads) and the calendar feed URL (everyone, their own)
    Page(
        "/projects/PLED/import",
        LEAD_NOT_MANAGER,
        {"csv_text": "title\nFrom the page matrix\n", "action": "import"},
        "task_count",
    ),
    Page(
        "/projects/POUT/import",
        OUTSIDE,
        {"csv_text": "title\nFrom the page matrix\n", "action": "import"},
        "task_count",
        "outsider",
    ),
    Page("/profile/calendar", ANYONE, {}, "calendar_tokens", "make"),
    Page("/profile/calendar/revoke", ANYONE, {}, "calendar_tokens", "revoke"),
    Page(
        "/password-reset/confirm",
        expect(422, 422, 422, 422),
        {"token": "forged", "new_password": "a new and long passphrase 7"},
        "nothing",
    ),
]


# Saved views: everyone saves their own (a project to share with must be one they see: POUT is
# only the other employee's, and every project is the admin's); the owner deletes.
CASES += [
    Page("/views", ANYONE, {"name": "Mine", "query": "status=pending&sort=deadline"}, "views"),
    Page("/views", expect(SIGN_IN, 422, 422, 422), {"name": "", "query": ""}, "views", "no name"),
    Page(
        "/views",
        expect(SIGN_IN, 422, 422, 302),
        {"name": "Theirs", "project": "POUT"},
        "views",
        "a project one cannot see",
    ),
    Page("/views/{employee_view}/delete", expect(SIGN_IN, 302, 404, 404), {}, "views"),
]


@pytest.fixture
def world(make) -> dict[str, Any]:
    """The callers, one object per relation to the employee caller, and their ids."""
    employee, other = make.user(role="employee"), make.user(role="employee")
    manager, admin = make.user(role="manager"), make.user(role="admin")
    registrant = make.user(role="employee", status=UserStatus.PENDING)
    own_task = make.task(assignee=employee, created_by=manager)
    others_task = make.task(
        assignee=other,
        created_by=manager,
        project=make.project("OTHR", members={other: "member", manager: "lead"}),
    )
    pled = make.project("PLED", members={employee: "lead", manager: "member", other: "member"})
    pout = make.project("POUT", members={other: "lead"})
    public = factories.incident(reporter=other)
    resolved = factories.incident(reporter=other, status="resolved")
    hidden = factories.incident(reporter=other, visibility=Visibility.RESTRICTED)
    assigned = factories.incident(
        reporter=other, assignee=employee, visibility=Visibility.RESTRICTED
    )
    # Issue 14's tasks: project COL (the manager leads, the employee is a member), HID (the
    # manager leads, another employee is a member).
    col = make.project("COL", members={manager: "lead", employee: "member"})
    hid = make.project("HID", members={manager: "lead", other: "member"})
    col_task = make.task(assignee=employee, created_by=manager, project=col)
    hid_task = make.task(assignee=other, created_by=manager, project=hid)
    watch_task = make.task(assignee=employee, created_by=manager, project=col)
    comments = {}
    for name, task, author in (
        ("own_comment", col_task, employee),
        ("managers_comment", col_task, manager),
        ("others_comment", hid_task, other),
    ):
        row = TaskComment(task_id=task.id, author_id=author.id, body=f"{name} text")
        db.session.add(row)
        db.session.flush()
        comments[name] = row.id
    for person in (employee, manager, admin):
        db.session.add(TaskWatcher(task_id=col_task.id, user_id=person.id))
        db.session.add(
            Notification(
                user_id=person.id,
                kind=NotificationKind.ASSIGNED,
                task_id=own_task.id,
                title=own_task.title,
                path=f"/tasks/{own_task.id}",
            )
        )
    for person in (employee, manager, admin):
        db.session.add(CalendarToken(user_id=person.id, token_hash=f"{person.id:064d}"))
    hook, doomed = _webhook(admin, "page"), _webhook(admin, "doomed")
    dead_delivery = _delivery(hook, DeliveryStatus.DEAD, "page-matrix")
    view = SavedView(owner_id=employee.id, name="Employee's", filters={"status": ["pending"]})
    db.session.add(view)
    db.session.commit()
    token, _secret = personal_tokens.create(
        actor=employee,
        name="matrix",
        scopes=["tasks:read"],
        expires_at=utcnow() + timedelta(days=9),
    )
    return {
        **comments,
        "employee_token": token.id,
        "webhook": hook.id,
        "doomed_webhook": doomed.id,
        "dead_delivery": dead_delivery,
        "employee_view": view.id,
        "watch_task": watch_task.id,
        "col_task": col_task.id,
        "hid_task": hid_task.id,
        "people": {"employee": employee, "manager": manager, "admin": admin},
        "employee": employee.id,
        "other_employee": other.id,
        "registrant": registrant.id,
        "own_task": own_task.id,
        "others_task": others_task.id,
        "public": public.public_id,
        "manager_id": manager.id,
        "ack_manager": links.make_token(public.public_id, manager.id),
        "resolved": resolved.public_id,
        "hidden": hidden.public_id,
        "assigned": assigned.public_id,
        "dead_email": _email(employee, OutboxStatus.DEAD, f"page-matrix:{employee.id}"),
        "missing": 999_999_999,
        "pled_label": make.label(pled, "bug").id,
        "pout_label": make.label(pout, "bug").id,
    }


def _task(task_id: int) -> Any:
    return db.session.execute(
        sa.select(Task.version, Task.title, Task.status, Task.assignee_id).where(Task.id == task_id)
    ).one_or_none()


def _incident(public_id: str) -> Any:
    return db.session.execute(
        sa.select(Incident.version, Incident.severity, Incident.status).where(
            Incident.public_id == public_id
        )
    ).one_or_none()


def _user(user_id: int) -> Any:
    return db.session.execute(
        sa.select(User.role, User.status).where(User.id == user_id)
    ).one_or_none()


def _count(model: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# A fingerprint of what each case may change, read fresh from the database.
WATCHES = {
    "task_count": lambda w: _count(Task),
    "own_task": lambda w: _task(w["own_task"]),
    "others_task": lambda w: _task(w["others_task"]),
    "incident_count": lambda w: _count(Incident),
    "responses": lambda w: _count(IncidentResponse),
    "follow_ups": lambda w: _count(IncidentFollowUp),
    "review": lambda w: db.session.execute(sa.select(IncidentReview.summary)).all(),
    "public": lambda w: _incident(w["public"]),
    "hidden": lambda w: _incident(w["hidden"]),
    "assigned": lambda w: _incident(w["assigned"]),
    "registrant": lambda w: _user(w["registrant"]),
    "other_employee": lambda w: _user(w["other_employee"]),
    "dead_email": lambda w: db.session.get(OutboxEmail, w["dead_email"]).status,
    "callers": lambda w: db.session.execute(
        sa.select(User.id, User.timezone, User.password_hash).order_by(User.id)
    ).all(),
    "comments": lambda w: _count(TaskComment),
    "own_comment": lambda w: db.session.get(TaskComment, w["own_comment"]).body,
    "managers_comment": lambda w: db.session.get(TaskComment, w["managers_comment"]).body,
    "watchers": lambda w: db.session.execute(
        sa.select(TaskWatcher.task_id, TaskWatcher.user_id).order_by(
            TaskWatcher.task_id, TaskWatcher.user_id
        )
    ).all(),
    "unread": lambda w: db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    ),
    "preferences": lambda w: db.session.execute(
        sa.select(NotificationPreference.user_id, NotificationPreference.kind)
    ).all(),
    "nothing": lambda w: None,
    "tokens": lambda w: db.session.execute(
        sa.select(PersonalToken.id, PersonalToken.revoked_at).order_by(PersonalToken.id)
    ).all(),
    "calendar_tokens": lambda w: db.session.execute(
        sa.select(CalendarToken.user_id, CalendarToken.token_hash).order_by(CalendarToken.user_id)
    ).all(),
    "webhooks": lambda w: db.session.execute(
        sa.select(Webhook.id, Webhook.url, Webhook.format, Webhook.event_types).order_by(Webhook.id)
    ).all(),
    "dead_delivery": lambda w: db.session.get(WebhookDelivery, w["dead_delivery"]).status,
    "views": lambda w: db.session.execute(
        sa.select(SavedView.id, SavedView.name, SavedView.project_id).order_by(SavedView.id)
    ).all(),
    "projects": lambda w: (
        db.session.execute(
            sa.select(Project.key, Project.name, Project.archived_at).order_by(Project.key)
        ).all(),
        db.session.execute(
            sa.select(ProjectMember.project_id, ProjectMember.user_id, ProjectMember.role).order_by(
                ProjectMember.project_id, ProjectMember.user_id
            )
        ).all(),
        db.session.execute(sa.select(Label.id, Label.name).order_by(Label.id)).all(),
    ),
}


def _fill(text: str, world: dict[str, Any]) -> str:
    return text.format(**{k: v for k, v in world.items() if k != "people"})


def _post(app, world: dict[str, Any], case: Page, caller: str):
    web = WebClient(app)
    if caller != "anonymous":
        web.sign_in(world["people"][caller])
    data = {name: _fill(value, world) for name, value in case.data.items()}
    task_id = world.get(case.watch) if case.watch in ("own_task", "others_task") else None
    if task_id is not None:
        data["version"] = str(_task(task_id).version)
    return web.post(_fill(case.path, world), data)


def _case_id(case: Page) -> str:
    return f"POST {case.path}" + (f" [{case.label}]" if case.label else "")


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("case", CASES + PUBLIC, ids=[_case_id(c) for c in CASES + PUBLIC])
def test_post(app, world, case: Page, caller: str) -> None:
    watch = WATCHES[case.watch]
    before = watch(world)
    db.session.remove()

    response = _post(app, world, case, caller)

    expected = case.expect[caller]
    location = response.headers.get("Location", "")
    if expected == SIGN_IN:
        assert response.status_code == 302 and "/sign-in" in location, (caller, location)
    else:
        assert response.status_code == expected, (
            f"{caller} POST {case.path}: {response.status_code}",
            response.get_data(as_text=True)[:400],
        )
        if expected == 302:
            assert "/sign-in" not in location or case.path == "/sign-out"
    db.session.remove()
    after = watch(world)
    succeeded = expected in (201, 302) and case.watch != "nothing"  # 201: a page shown once
    assert (after != before) is succeeded, (caller, case.path, before, after)


def test_every_post_has_a_case(app) -> None:
    adapter = app.url_map.bind("localhost")
    covered = set()
    for case in CASES + PUBLIC:
        endpoint, _args = adapter.match(re.sub(r"\{\w+\}", "1", case.path), method="POST")
        covered.add(endpoint)
    posts = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint.partition(".")[0] in WEB_BLUEPRINTS
    }
    assert posts - covered == set(), f"UI form posts with no matrix case: {sorted(posts - covered)}"
