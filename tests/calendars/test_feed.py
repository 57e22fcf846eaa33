"""The personal calendar feed: making and revoking its URL, the iCalendar it serves, and that
its token opens nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import sqlalchemy as sa

from api.calendars.models import CalendarToken
from api.calendars.service import digest
from api.extensions import db
from api.tasks.models import TaskStatus
from api.users.models import UserStatus

TOKEN_URL = "/api/v1/auth/me/calendar-token"


def _new_feed(client, auth, user) -> dict:
    response = client.post(TOKEN_URL, headers=auth.headers(user))
    assert response.status_code == 201, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def _path(body: dict) -> str:
    return "/calendar/" + body["token"] + ".ics"


def test_the_feed_serves_open_assigned_tasks_with_deadlines(client, auth, make) -> None:
    person, other = make.user(), make.user()
    ops = make.project("OPS", members={person: "member", other: "member"})
    due = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)
    task = make.task(project=ops, title="Fix, the; login", assignee=person, deadline=due)
    make.task(project=ops, title="No deadline", assignee=person)
    make.task(project=ops, title="Done", assignee=person, deadline=due, status=TaskStatus.COMPLETED)
    make.task(project=ops, title="Someone else's", assignee=other, deadline=due)
    body = _new_feed(client, auth, person)
    assert body["url"].endswith(_path(body))

    response = client.get(_path(body))

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "private, no-store"
    calendar = icalendar.Calendar.from_ical(response.get_data())
    assert str(calendar["version"]) == "2.0" and "taskdesk" in str(calendar["prodid"])
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [f"{task.ref} Fix, the; login"]
    event = events[0]
    assert event.decoded("dtstart") == due
    assert event.decoded("dtstart").utcoffset().total_seconds() == 0
    assert str(event["url"]).endswith(f"/tasks/{task.id}")
    assert str(event["uid"]).startswith(f"task-{task.id}@")


def test_the_token_is_stored_as_a_digest(client, auth, make) -> None:
    person = make.user()
    body = _new_feed(client, auth, person)

    row = db.session.get(CalendarToken, person.id)

    assert row.token_hash == digest(body["token"]) != body["token"]
    assert len(row.token_hash) == 64


def test_a_revoked_or_replaced_token_answers_404(client, auth, make) -> None:
    person = make.user()
    first = _new_feed(client, auth, person)
    second = _new_feed(client, auth, person)

    assert client.get(_path(first)).status_code == 404
    assert client.get(_path(second)).status_code == 200
    assert client.delete(TOKEN_URL, headers=auth.headers(person)).status_code == 204
    assert client.get(_path(second)).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarToken)) == 0


def test_unknown_and_malformed_tokens_answer_404(client) -> None:
    assert client.get("/calendar/" + "A" * 43 + ".ics").status_code == 404
    assert client.get("/calendar/short.ics").status_code == 404
    assert client.get("/calendar/" + "%00" * 43 + ".ics").status_code == 404


def test_the_token_opens_nothing_else(client, auth, make) -> None:
    person = make.user()
    token = _new_feed(client, auth, person)["token"]

    as_bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=as_bearer).status_code == 401
    assert client.get("/api/v1/tasks", headers=as_bearer).status_code == 401
    assert client.post(TOKEN_URL, headers=as_bearer).status_code == 401
    assert client.post("/calendar/" + token + ".ics").status_code == 405


def test_a_disabled_account_has_no_feed(client, auth, make) -> None:
    person = make.user()
    body = _new_feed(client, auth, person)
    person.status = UserStatus.DISABLED
    db.session.commit()

    assert client.get(_path(body)).status_code == 404


def test_tasks_no_longer_visible_leave_the_feed(client, auth, make) -> None:
    person = make.user()
    ops = make.project("OPS", members={person: "member"})
    make.task(project=ops, assignee=person, deadline=make.days(2))
    body = _new_feed(client, auth, person)
    db.session.execute(sa.text("DELETE FROM project_members WHERE user_id = :u"), {"u": person.id})
    db.session.commit()

    calendar = icalendar.Calendar.from_ical(client.get(_path(body)).get_data())

    assert calendar.walk("VEVENT") == []


def test_the_feed_is_rate_limited_per_feed(client, auth, make, rate_limits) -> None:
    person = make.user()
    path = _path(_new_feed(client, auth, person))
    limit = int(rate_limits["RATELIMIT_CALENDAR"].split()[0])

    answers = [client.get(path).status_code for _ in range(limit + 1)]

    assert answers[:limit] == [200] * limit
    assert answers[-1] == 429
    assert client.get("/calendar/" + "B" * 43 + ".ics").status_code == 404  # another feed


def test_anonymous_callers_cannot_make_a_feed(client) -> None:
    assert client.post(TOKEN_URL).status_code == 401
    assert client.delete(TOKEN_URL).status_code == 401
