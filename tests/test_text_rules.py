"""Titles, names and bodies must show something; control characters are never text.

NUL, zero-width spaces and bidi overrides used to be accepted as whole titles and usernames.
"""

from __future__ import annotations

import pytest

from api.request_body import CONTROL
from tests.factories import PASSWORD
from tests.test_bad_input import snapshot

INVISIBLE = [
    "\u200b",  # zero-width space
    "\u202e",  # right-to-left override
    "\u2066\u2069",  # left-to-right isolate, pop directional isolate
    "\ufeff\u200d\u2060",  # BOM, zero-width joiner, word joiner
    " \u3164 \u2800 ",  # Hangul filler, braille blank
    "\u00a0\u3000",  # no-break space, ideographic space
]
CONTROLS = ["\x00", "title\x00", "\x1b[2J", "a\x7fb", "a\x85b"]


@pytest.fixture
def staff(auth, make):
    manager, headers = auth.as_role("manager")
    task = make.task(created_by=manager, title="Kept")
    return {"headers": headers, "task": task.id}


def _incident(client, headers) -> str:
    response = client.post("/api/v1/incidents", json={"title": "Kept"}, headers=headers)
    assert response.status_code == 201
    return response.get_json()["public_id"]


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_titles_and_bodies_are_refused(client, db, staff, text):
    incident = _incident(client, staff["headers"])
    requests = [
        ("POST", "/api/v1/tasks", {"title": text}, "title"),
        ("PATCH", f"/api/v1/tasks/{staff['task']}", {"title": text}, "title"),
        ("POST", "/api/v1/incidents", {"title": text}, "title"),
        ("PATCH", f"/api/v1/incidents/{incident}", {"title": text}, "title"),
        ("POST", f"/api/v1/incidents/{incident}/responses", {"body": text}, "body"),
    ]
    before = snapshot(db)
    for method, path, body, field in requests:
        response = client.open(path, method=method, json=body, headers=staff["headers"])
        assert response.status_code == 422, (path, response.get_json())
        wanted = "Enter a response." if field == "body" else "Enter a title."
        assert response.get_json()["errors"]["json"][field] == [wanted]
    assert snapshot(db) == before


def test_visible_text_around_invisible_characters_is_kept(client, staff):
    title = "\u202eReversed\u202c and \u200bspaced"
    response = client.post("/api/v1/tasks", json={"title": title}, headers=staff["headers"])
    assert response.status_code == 201
    assert response.get_json()["title"] == title


@pytest.mark.parametrize("text", CONTROLS)
def test_control_characters_are_refused_in_any_text(client, db, staff, text):
    before = snapshot(db)
    for body in ({"title": text}, {"title": "Fine", "description": text}):
        response = client.post("/api/v1/tasks", json=body, headers=staff["headers"])
        assert response.status_code == 422
        [field] = response.get_json()["errors"]["json"]
        assert response.get_json()["errors"]["json"][field] == [CONTROL]
    assert snapshot(db) == before


@pytest.mark.parametrize(
    "username", ["newbie\n", "new\x00bie", "\u200bnewbie", "new\u202ebie", "newbie\u200b"]
)
def test_usernames_are_plain_text(client, db, username):
    before = snapshot(db)
    body = {"email": "new@example.com", "username": username, "password": PASSWORD}
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422, response.get_json()
    assert "username" in response.get_json()["errors"]["json"]
    assert snapshot(db) == before


def test_an_invisible_title_in_the_task_form_is_refused(app, make, db):
    from tests.web.conftest import WebClient

    web = WebClient(app).sign_in(make.user(role="manager"))
    before = snapshot(db)
    response = web.post("/tasks/new", {"title": "\u200b\u202e"})
    assert response.status_code == 422
    assert "Enter a title." in response.get_data(as_text=True)
    assert snapshot(db) == before
