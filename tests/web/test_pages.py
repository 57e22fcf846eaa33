"""UI pages: who may open them, 404 for hidden objects, headers, escaping, and form handling."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.tasks.models import Task, TaskStatus
from api.users.models import User, UserStatus


@pytest.mark.parametrize(
    "path, allowed",
    [
        ("/dashboard", {"employee", "manager", "admin"}),
        ("/tasks", {"employee", "manager", "admin"}),
        ("/tasks/new", {"manager", "admin"}),
        ("/incidents", {"employee", "manager", "admin"}),
        ("/incidents/new", {"employee", "manager", "admin"}),
        ("/stats", {"manager", "admin"}),
        ("/profile", {"employee", "manager", "admin"}),
        ("/admin/registrations", {"admin"}),
        ("/admin/users", {"admin"}),
        ("/admin/outbox", {"admin"}),
    ],
)
def test_pages_open_for_their_roles_and_refuse_the_others(browser_as, path, allowed):
    for role in ("employee", "manager", "admin"):
        _user, web = browser_as(role)
        response = web.get(path)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, path)
        if expected == 403:
            assert "You may not open this page" in response.get_data(as_text=True)


def test_navigation_offers_exactly_the_pages_of_the_role(browser_as):
    _e, employee = browser_as("employee")
    _a, admin = browser_as("admin")
    employee_page = employee.get("/dashboard").get_data(as_text=True)
    admin_page = admin.get("/dashboard").get_data(as_text=True)
    for href in (
        'href="/admin/registrations"',
        'href="/admin/outbox"',
        'href="/admin/webhooks"',
        'href="/stats"',
        'data-testid="admin-menu"',
    ):
        assert href not in employee_page
        assert href in admin_page


def test_a_task_of_another_project_is_404_for_an_employee(browser_as, make):
    other = make.user(role="employee")
    task = make.task(title="Not yours", assignee=other, project=make.project("OTH"))
    _user, web = browser_as("employee")
    response = web.get(f"/tasks/{task.id}")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Page not found" in body and "Not yours" not in body


def test_security_headers_on_pages_errors_and_api(browser_as, client):
    _user, web = browser_as("employee")
    for response in (
        web.get("/dashboard"),
        web.get("/no-such-page"),
        client.get("/api/v1/tasks"),
        client.get("/sign-in"),
    ):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_api_errors_keep_the_json_envelope(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["code"] == 404


def test_user_text_is_escaped(browser_as, make):
    manager, web = browser_as("manager")
    task = make.task(title="<script>alert(1)</script>", description="<img src=x onerror=alert(2)>")
    body = web.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body


def test_invalid_task_form_keeps_input_shows_errors_and_writes_nothing(browser_as, db):
    _manager, web = browser_as("manager")
    response = web.post(
        "/tasks/new",
        {"title": "   ", "description": "Keep me", "priority": "sky-high", "deadline": "soon"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="title-error"' in body and 'aria-describedby="title-error"' in body
    assert 'id="priority-error"' in body and 'id="deadline-error"' in body
    assert "Keep me" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0


def test_task_created_assigned_and_completed_through_forms(browser_as, make, db):
    manager, web = browser_as("manager")
    worker = make.user(role="employee", timezone="Asia/Tokyo")
    response = web.post(
        "/tasks/new",
        {
            "title": "Ship it",
            "priority": "high",
            "deadline": "2030-01-02T09:00",
            "assignee_id": str(worker.id),
        },
    )
    assert response.status_code == 302
    task = db.session.scalar(sa.select(Task).where(Task.title == "Ship it"))
    assert task.assignee_id == worker.id
    assert task.deadline.isoformat() == "2030-01-02T09:00:00+00:00"  # manager's zone is UTC
    employee_web = type(web)(web.app).sign_in(worker)
    assert "Ship it" in employee_web.get("/dashboard").get_data(as_text=True)
    done = employee_web.post(f"/tasks/{task.id}/status", {"status": "completed"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == TaskStatus.COMPLETED


def test_registration_then_admin_approves_with_a_role(web, browser_as, db):
    response = web.post(
        "/register",
        {
            "email": "new@example.com",
            "username": "newbie",
            "password": "a-long-pass-phrase-77",
            "password_confirm": "a-long-pass-phrase-77",
            "requested_role": "manager",
        },
    )
    assert response.status_code == 302
    newbie = db.session.scalar(sa.select(User).where(User.username == "newbie"))
    assert newbie.status == UserStatus.PENDING
    _admin, admin_web = browser_as("admin")
    assert "newbie" in admin_web.get("/admin/registrations").get_data(as_text=True)
    approved = admin_web.post(f"/admin/registrations/{newbie.id}/approve", {"role": "employee"})
    assert approved.status_code == 302
    db.session.expire_all()
    newbie = db.session.get(User, newbie.id)
    assert (newbie.status, newbie.role.value) == (UserStatus.ACTIVE, "employee")


def test_register_with_taken_username_keeps_input(web, make, db):
    taken = make.user(role="employee")
    response = web.post(
        "/register",
        {
            "email": "fresh@example.com",
            "username": taken.username,
            "password": "a-long-pass-phrase-77",
            "password_confirm": "a-long-pass-phrase-77",
        },
    )
    assert response.status_code == 422  # reported with every other field (issue 12)
    body = response.get_data(as_text=True)
    assert 'id="username-error"' in body and 'value="fresh@example.com"' in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_stats_page_draws_svg_charts(browser_as, make):
    make.task(title="One", status=TaskStatus.COMPLETED)
    late = make.user(role="employee", username="late")
    make.task(title="Two", assignee=late, deadline=make.days(-1))
    _user, web = browser_as("manager")
    body = web.get("/stats").get_data(as_text=True)
    assert body.count('<svg class="chart"') == 3
    assert "MTTA" in body and "MTTR" in body
    assert '<th scope="row">late</th><td>1</td>' in body  # the overdue chart's table


def test_task_page_offers_exactly_the_actions_of_the_person(browser_as, make):
    """The page asks the service (allowed_actions): no form the service would refuse."""
    employee, employee_web = browser_as("employee")
    _m, manager_web = browser_as("manager")
    _a, admin_web = browser_as("admin")
    task = make.task(title="Shared", assignee=employee)
    forms = {
        "edit": f'href="/tasks/{task.id}/edit"',
        "delete": f'action="/tasks/{task.id}/delete"',
        "status": f'action="/tasks/{task.id}/status"',
        "assign": f'action="/tasks/{task.id}/assign"',
    }
    offered = {
        name: {key for key, marker in forms.items() if marker in web.get(f"/tasks/{task.id}").text}
        for name, web in (
            ("employee", employee_web),
            ("manager", manager_web),
            ("admin", admin_web),
        )
    }
    assert offered == {
        "employee": {"status"},
        "manager": {"edit", "delete", "status", "assign"},  # a lead of General
        "admin": {"edit", "delete", "status", "assign"},
    }


def test_incident_assignee_is_offered_triage_like_the_api_allows(browser_as, make, db):
    from api.incidents.models import Incident, Severity, Visibility
    from tests.incidents import factories

    employee, web = browser_as("employee")
    reporter = make.user(role="employee")
    held = factories.incident(
        reporter=reporter, assignee=employee, visibility=Visibility.RESTRICTED
    )
    other = factories.incident(reporter=reporter)
    assert 'id="triage-title"' in web.get(f"/incidents/{held.public_id}").text
    assert 'id="triage-title"' not in web.get(f"/incidents/{other.public_id}").text

    response = web.post(
        f"/incidents/{held.public_id}/update",
        {"severity": "critical", "assignee_id": str(employee.id), "version": str(held.version)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, held.id).severity == Severity.CRITICAL


def test_task_list_pages_with_cursors_and_survives_a_bad_one(browser_as, make):
    import re

    _, web = browser_as("manager")
    made = [make.task(title=f"Cursor paging {n:02d}") for n in range(25)]
    first = web.get("/tasks").get_data(as_text=True)
    assert "Cursor paging 24" in first and "Cursor paging 04" not in first
    assert 'rel="prev" href="#"' in first
    next_href = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = web.get(next_href)
    assert second.status_code == 200
    text = second.get_data(as_text=True)
    assert "Cursor paging 04" in text and "Cursor paging 05" not in text
    prev_href = re.search(r'rel="prev" href="([^"]+)"', text).group(1).replace("&amp;", "&")
    assert "Cursor paging 05" in web.get(prev_href).get_data(as_text=True)
    broken = web.get("/tasks?cursor=forged")
    assert broken.status_code == 200
    assert "Cursor paging 24" in broken.get_data(as_text=True)
    assert len(made) == 25
