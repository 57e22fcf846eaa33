"""The CSV pages and the calendar card without a browser: the import page's check and import,
who sees it, the UI exports with the list's filters, the calendar URL shown once."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from api.calendars.models import CalendarToken
from api.extensions import db
from api.tasks.models import Priority, Task
from tests.web.conftest import WebClient

BAD = "title,deadline\nFine,2026-12-01\nLate,tomorrow\n"


def _world(make, app):
    lead, member, outsider = make.user(), make.user(), make.user()
    make.project("OPS", members={lead: "lead", member: "member"})
    return {
        name: WebClient(app).sign_in(user)
        for name, user in (("lead", lead), ("member", member), ("outsider", outsider))
    }


def test_who_opens_the_import_page(app, make) -> None:
    web = _world(make, app)

    assert web["lead"].get("/projects/OPS/import").status_code == 200
    assert web["member"].get("/projects/OPS/import").status_code == 403
    assert web["outsider"].get("/projects/OPS/import").status_code == 404
    assert "Import CSV" in web["lead"].get("/projects/OPS").get_data(as_text=True)
    assert "Import CSV" not in web["member"].get("/projects/OPS").get_data(as_text=True)


def test_the_check_lists_problems_and_the_import_writes(app, make) -> None:
    lead = _world(make, app)["lead"]

    checked = lead.post(
        "/projects/OPS/import",
        {"file": (io.BytesIO(BAD.encode()), "tasks.csv"), "action": "check"},
        content_type="multipart/form-data",
    )
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "Line 3" in page and "deadline" in page and "2 rows read: <strong>1 ready" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0

    refused = lead.post("/projects/OPS/import", {"csv_text": BAD, "action": "import"})
    assert refused.status_code == 422 and "Nothing was imported" in refused.get_data(as_text=True)
    done = lead.post(
        "/projects/OPS/import", {"csv_text": BAD, "action": "import", "skip_invalid": "on"}
    )
    assert done.status_code == 302 and "project=OPS" in done.headers["Location"]
    assert db.session.scalars(sa.select(Task.title)).all() == ["Fine"]


def test_a_file_problem_is_shown_beside_the_field(app, make) -> None:
    lead = _world(make, app)["lead"]

    response = lead.post(
        "/projects/OPS/import",
        {"file": (io.BytesIO(b"title,name\nx,y\n"), "tasks.csv"), "action": "check"},
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="file-error"' in page and "Unknown column name" in page, page[-4000:]


def test_the_ui_exports_keep_the_list_filters(app, make) -> None:
    user = make.user()
    ops = make.project("OPS", members={user: "member"})
    make.task(project=ops, title="Urgent one", priority=Priority.URGENT)
    make.task(project=ops, title="Calm one", priority=Priority.LOW)
    web = WebClient(app).sign_in(user)

    page = web.get("/tasks?priority=urgent&page=1").get_data(as_text=True)
    assert 'href="/tasks/export.csv?priority=urgent"' in page
    response = web.get("/tasks/export.csv?priority=urgent")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["title"] for r in rows] == ["Urgent one"]
    incidents = web.get("/incidents/export.csv?scope=mine")
    assert incidents.status_code == 200 and incidents.mimetype == "text/csv"
    assert WebClient(app).get("/tasks/export.csv").status_code == 302  # to sign in


def test_the_calendar_url_is_shown_once(app, make) -> None:
    user = make.user()
    web = WebClient(app).sign_in(user)
    assert "You have no calendar URL." in web.get("/profile").get_data(as_text=True)

    assert web.post("/profile/calendar").status_code == 302
    first = web.get("/profile").get_data(as_text=True)
    second = web.get("/profile").get_data(as_text=True)

    assert ".ics" in first and "shown only now" in first
    assert ".ics" not in second and "You have a calendar URL" in second
    assert web.post("/profile/calendar/revoke").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarToken)) == 0
