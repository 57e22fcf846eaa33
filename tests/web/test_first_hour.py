"""Issue 12, the first hour: what a newcomer's forms and pages say (every field's errors once,
the user's words, honest flashes, the admin outbox's email page)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from api.notifications import delivery
from api.notifications.models import EmailKind, OutboxEmail, OutboxStatus
from api.users.models import User
from tests.factories import PASSWORD


def _errors(body: str, field: str) -> list[str]:
    return re.findall(rf'id="{field}-error">([^<]*)<', body)


def test_registration_reports_every_field_at_once_each_once(web, make, db):
    taken = make.user(role="employee")
    response = web.post(
        "/register",
        {
            "email": "fresh@taskdesk.local",
            "username": taken.username,
            "password": "password123",
            "password_confirm": "password124",
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert _errors(body, "email") and "special-use or reserved" in _errors(body, "email")[0]
    assert _errors(body, "username") == ["That username is taken; choose another."]
    assert _errors(body, "password") == ["This password is too common; choose another."]
    assert _errors(body, "password_confirm") == ["The two passwords differ."]
    assert body.count('data-testid="form-error"') == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_a_bad_username_is_said_once_not_beside_the_same_help(web, db):
    response = web.post(
        "/register",
        {"email": "a@example.com", "username": "x!", "password": "", "password_confirm": ""},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.count("3 to 32 letters, digits, dots, dashes or underscores.") == 1
    assert _errors(body, "password") == ["Enter a password."]


def test_api_register_names_every_service_problem(client, make):
    taken = make.user(role="employee")
    r = client.post(
        "/api/v1/auth/register",
        json={"email": "x@taskdesk.local", "username": taken.username, "password": "password123"},
    )
    assert r.status_code == 422
    assert set(r.get_json()["errors"]["json"]) == {"email", "username", "password"}


def test_wrong_current_password_reads_like_a_person_wrote_it(browser_as, client, make):
    user = make.user()
    tokens = client.post("/api/v1/auth/login", json={"login": user.username, "password": PASSWORD})
    r = client.post(
        "/api/v1/auth/password",
        json={"current_password": "nope", "new_password": "a new long passphrase"},
        headers={"Authorization": f"Bearer {tokens.get_json()['access_token']}"},
    )
    assert r.status_code == 422
    assert r.get_json()["message"] == "Enter your current password correctly."
    assert "current_password" not in r.get_json()["message"]


def test_empty_title_says_enter_a_title_in_the_form_and_the_api(browser_as, client, auth):
    _, web = browser_as("manager")
    body = web.post("/tasks/new", {"title": ""}).get_data(as_text=True)
    assert _errors(body, "title") == ["Enter a title."]
    assert "Length must be" not in body
    _, headers = auth.as_role("manager")
    r = client.post("/api/v1/tasks", json={"title": ""}, headers=headers)
    assert r.get_json()["errors"]["json"]["title"] == ["Enter a title."]
    assert r.get_json()["message"] == "Enter a title."


def test_a_bad_reset_link_shows_one_box_and_no_form(web):
    response = web.post(
        "/password-reset/confirm",
        {
            "token": "forged",
            "new_password": "a-long-pass-77",
            "new_password_confirm": "a-long-pass-77",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.count('role="alert"') == 1 and "invalid or has expired" in body
    assert 'name="new_password"' not in body


def test_the_reset_form_needs_a_token(web):
    body = web.get("/password-reset/confirm").get_data(as_text=True)
    assert 'name="new_password"' not in body
    assert 'href="/password-reset"' in body


def _incident(web) -> str:
    return web.post("/incidents/new", {"title": "Printer on fire", "severity": "high"})


def test_incident_flash_claims_only_the_alerts_that_go_out(browser_as, make, db):
    make.user(role="manager", email="mona@example.com")
    make.user(role="manager", email="legacy@taskdesk.local")
    _, web = browser_as("employee")
    response = _incident(web)
    assert response.status_code == 302
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Managers have been told" not in page
    assert "An alert is on its way to 1 person who triages incidents." in page
    assert "1 alert could not be sent: the address was refused" in page
    alerts = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.INCIDENT_ALERT)
    ).all()
    assert sorted(a.status for a in alerts) == sorted([OutboxStatus.SENT, OutboxStatus.SKIPPED])


def test_admin_outbox_opens_an_email_and_clears_a_sent_reset_link(app, browser_as, make, db):
    user = make.user(email="reset-me@example.com")
    app.test_client().post("/api/v1/auth/password-reset", json={"email": user.email})
    delivery.run_outbox()
    row = db.session.scalar(
        sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.PASSWORD_RESET)
    )
    admin, web = browser_as("admin")
    listing = web.get("/admin/outbox").get_data(as_text=True)
    assert f'href="/admin/outbox/{row.id}"' in listing
    page = web.get(f"/admin/outbox/{row.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and row.subject in body
    assert row.status == OutboxStatus.SENT and delivery.CLEARED_BODY in body
    assert "token=" not in body
    _, manager_web = browser_as("manager")
    assert manager_web.get(f"/admin/outbox/{row.id}").status_code == 403
    assert web.get("/admin/outbox/999999").status_code == 404


def test_in_development_the_outbox_keeps_the_body_and_the_console_logs_it(
    app, browser_as, make, db, caplog
):
    user = make.user(email="dev-reset@example.com")
    app.config["MAIL_SHOW_BODIES"] = True
    try:
        with caplog.at_level("INFO", logger="api.notifications.backends"):
            app.test_client().post("/api/v1/auth/password-reset", json={"email": user.email})
            delivery.run_outbox()
    finally:
        app.config["MAIL_SHOW_BODIES"] = False
    logged = "\n".join(r.getMessage() for r in caplog.records)
    link = re.search(r"http\S+/password-reset/confirm\?token=\S+", logged)
    assert link, logged
    row = db.session.scalar(
        sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.PASSWORD_RESET)
    )
    _, web = browser_as("admin")
    assert (
        link.group(0).replace("&", "&amp;")
        in web.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
        or link.group(0) in row.body_text
    )


def test_a_task_edit_conflict_shows_both_versions_and_keeps_theirs(browser_as, make, db):
    from api.tasks.models import Task

    manager, web = browser_as("manager")
    task = make.task(title="Old title", description="old text", created_by=manager)
    stale = task.version
    db.session.execute(
        sa.update(Task).where(Task.id == task.id).values(title="Their title", version=stale + 1)
    )
    db.session.commit()
    mine = {"title": "My title", "description": "my text", "priority": "high", "deadline": ""}
    response = web.post(f"/tasks/{task.id}/edit", {**mine, "version": str(stale)})
    body = response.get_data(as_text=True)
    assert response.status_code == 412
    assert 'data-testid="conflict"' in body
    assert re.search(r'data-field="title">.*?My title.*?Their title', body, flags=re.S)
    assert re.search(r'name="title"\s+value="Their title"', body)  # the form holds theirs
    assert f'name="version" value="{stale + 1}"' in body
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "Their title"
    # Saving the form as shown keeps their title; only "Use my changes" sends mine.
    kept = web.post(
        f"/tasks/{task.id}/edit",
        {
            "title": "Their title",
            "description": "old text",
            "priority": "normal",
            "deadline": "",
            "version": str(stale + 1),
        },
    )
    assert kept.status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "Their title"


def test_a_stale_second_save_is_refused_not_silent(browser_as, make, db):
    from api.tasks.models import Task

    manager, web = browser_as("manager")
    task = make.task(title="Start", created_by=manager)
    read_at = task.version
    form = {"title": "A", "description": "", "priority": "normal", "deadline": ""}
    first = web.post(f"/tasks/{task.id}/edit", {**form, "version": str(read_at)})
    assert first.status_code == 302
    second = web.post(f"/tasks/{task.id}/edit", {**form, "title": "B", "version": str(read_at)})
    assert second.status_code == 412
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "A"


def test_an_incident_triage_conflict_shows_both_versions(browser_as, make, db):
    from api.incidents.models import Incident
    from tests.incidents import factories

    manager, web = browser_as("manager")
    incident = factories.incident(reporter=manager)
    stale = incident.version
    db.session.execute(
        sa.update(Incident)
        .where(Incident.id == incident.id)
        .values(severity="critical", version=stale + 1)
    )
    db.session.commit()
    response = web.post(
        f"/incidents/{incident.public_id}/update", {"severity": "low", "version": str(stale)}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 412
    assert re.search(r'data-field="severity">.*?Low.*?Critical', body, flags=re.S)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).severity.value == "critical"


def test_a_failed_post_page_says_which_url_to_reload(browser_as, make):
    _, web = browser_as("manager")
    body = web.post("/tasks/new", {"title": ""}).get_data(as_text=True)
    assert 'data-after-post="/tasks/new"' in body
    task = make.task()
    refused = web.post(
        f"/tasks/{task.id}/status",
        {"status": "nonsense"},
        headers={"Referer": f"http://localhost/tasks/{task.id}"},
    )
    assert f'data-after-post="/tasks/{task.id}"' in refused.get_data(as_text=True)
    assert "data-after-post" not in web.get("/tasks/new").get_data(as_text=True)
