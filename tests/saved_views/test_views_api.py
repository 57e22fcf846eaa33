"""Saved views (/api/v1/views): save, list, reopen, share with a project, change, delete; who
sees and changes which view; bad input answers 422 and writes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.saved_views.models import SavedView

URL = "/api/v1/views"


def views_in_db(db) -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(
        sa.select(
            SavedView.owner_id, SavedView.name, SavedView.filters_json, SavedView.sort
        ).order_by(SavedView.id)
    ).all()


@pytest.fixture
def team(make, auth):
    lead, lead_h = auth.as_role("manager")
    member, member_h = auth.as_role("employee")
    outsider, outsider_h = auth.as_role("employee")
    ops = make.project("OPS", members={lead: "lead", member: "member"})
    make.project("SEC", members={outsider: "lead"})
    return {
        "lead": (lead, lead_h),
        "member": (member, member_h),
        "outsider": (outsider, outsider_h),
        "ops": ops,
    }


def test_save_list_and_reopen_a_private_view(client, db, team):
    member, headers = team["member"]
    body = {
        "name": "My urgent work",
        "filters": {
            "status": ["pending", "in_progress"],
            "priority": ["urgent"],
            "project": ["OPS"],
        },
        "sort": "deadline",
    }
    created = client.post(URL, json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    view = created.get_json()
    assert view["name"] == "My urgent work"
    assert view["filters"] == {
        "priority": ["urgent"],
        "project": ["OPS"],
        "status": ["pending", "in_progress"],
    }
    assert view["shared"] is False and view["project"] is None
    assert view["url"].startswith("/tasks?")
    assert "status=pending&status=in_progress" in view["url"] and "sort=deadline" in view["url"]
    assert created.headers["Location"] == f"{URL}/{view['id']}"

    listed = client.get(URL, headers=headers).get_json()
    assert [v["id"] for v in listed] == [view["id"]]
    assert client.get(f"{URL}/{view['id']}", headers=headers).get_json()["sort"] == "deadline"
    assert views_in_db(db)[0][:2] == (member.id, "My urgent work")
    # private: nobody else sees it, not even its project's lead
    for other in ("lead", "outsider"):
        assert client.get(URL, headers=team[other][1]).get_json() == []
        assert client.get(f"{URL}/{view['id']}", headers=team[other][1]).status_code == 404


def test_the_view_url_opens_the_filtered_task_list(client, db, team, make):
    lead, headers = team["lead"]
    make.task(title="Urgent one", priority="urgent", project=team["ops"], created_by=lead)
    make.task(title="Calm one", priority="low", project=team["ops"], created_by=lead)
    view = client.post(
        URL, json={"name": "Urgent", "filters": {"priority": ["urgent", "high"]}}, headers=headers
    ).get_json()
    query = view["url"].partition("?")[2]
    listed = client.get(f"/api/v1/tasks?{query}", headers=headers).get_json()
    assert [t["title"] for t in listed["items"]] == ["Urgent one"]


def test_a_shared_view_is_seen_by_the_project_members_and_changed_by_its_owner(client, db, team):
    lead, lead_h = team["lead"]
    member_h, outsider_h = team["member"][1], team["outsider"][1]
    view = client.post(
        URL, json={"name": "Team board", "project": "OPS"}, headers=lead_h
    ).get_json()
    assert view["project"] == "OPS" and view["shared"] is True
    assert [v["name"] for v in client.get(URL, headers=member_h).get_json()] == ["Team board"]
    assert client.get(URL, headers=outsider_h).get_json() == []
    assert client.get(f"{URL}/{view['id']}", headers=outsider_h).status_code == 404

    before = views_in_db(db)
    refused = client.patch(f"{URL}/{view['id']}", json={"name": "Mine now"}, headers=member_h)
    assert refused.status_code == 403
    assert client.delete(f"{URL}/{view['id']}", headers=member_h).status_code == 403
    assert (
        client.patch(f"{URL}/{view['id']}", json={"name": "x"}, headers=outsider_h).status_code
        == 404
    )
    assert views_in_db(db) == before

    changed = client.patch(
        f"{URL}/{view['id']}",
        json={"name": "Team, open", "filters": {"status": ["pending"]}, "project": None},
        headers=lead_h,
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["shared"] is False
    assert client.get(URL, headers=member_h).get_json() == []
    assert views_in_db(db)[0][1:3] == ("Team, open", '{"status": ["pending"]}')

    assert client.delete(f"{URL}/{view['id']}", headers=lead_h).status_code == 204
    assert views_in_db(db) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "filters": {"colour": ["red"]}}, "filters"),
        ({"name": "x", "filters": {"status": ["sleeping"]}}, "filters"),
        ({"name": "x", "filters": {"q": "invoice"}}, "filters"),
        ({"name": "x" * 81}, "name"),
        ({"name": ""}, "name"),
        ({"name": "\u200b"}, "name"),
        ({}, "name"),
        ({"name": "x", "sort": "colour"}, "sort"),
        ({"name": "x", "project": "SEC"}, "project"),  # exists, but not the caller's
        ({"name": "x", "project": "NOPE"}, "project"),
        ({"name": "x", "project": "not a key!"}, "project"),
        ({"name": "x", "owner_id": 1}, "owner_id"),
    ],
)
def test_bad_input_is_a_clear_422_and_writes_nothing(client, db, team, body, field):
    response = client.post(URL, json=body, headers=team["member"][1])
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["json"]
    assert field in errors, errors
    assert views_in_db(db) == []


def test_a_view_of_a_project_one_cannot_see_answers_as_unknown(client, db, team):
    """SEC exists and NOPE does not: the caller cannot tell them apart."""
    headers = team["member"][1]
    seen = [
        client.post(URL, json={"name": "x", "project": key}, headers=headers).get_json()
        for key in ("SEC", "NOPE")
    ]
    assert seen[0]["errors"] == seen[1]["errors"]


def test_anonymous_and_unknown_views(client, team):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/999999", headers=team["member"][1]).status_code == 404


def test_a_disabled_account_may_not_save_or_list(db, make):
    from api.errors import Forbidden
    from api.saved_views import service

    disabled = make.user(role="manager", status="disabled")
    with pytest.raises(Forbidden):
        service.create(data={"name": "x", "filters": {}}, actor=disabled)
    with pytest.raises(Forbidden):
        service.list_views(actor=disabled)
    assert views_in_db(db) == []
