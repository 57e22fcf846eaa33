"""Multi-value filters of the task list: several projects, several assignees (any of them),
alongside the multi-value status, priority and label; one value keeps the old shapes."""

from __future__ import annotations

import pytest


@pytest.fixture
def tasks(make, auth):
    admin, headers = auth.as_role("admin")
    ann, bob, cy = (make.user(role="employee", username=n) for n in ("ann", "bob", "cy"))
    ops = make.project("OPS", members={ann: "member", bob: "member"})
    web = make.project("WEB", members={cy: "member"})
    sec = make.project("SEC")
    made = {
        "ops-ann": make.task(title="ops-ann", project=ops, assignees=[ann]),
        "ops-bob": make.task(title="ops-bob", project=ops, assignees=[bob, ann]),
        "web-cy": make.task(title="web-cy", project=web, assignees=[cy], priority="urgent"),
        "sec-none": make.task(title="sec-none", project=sec),
    }
    return headers, {"ann": ann.id, "bob": bob.id, "cy": cy.id}, made


def titles(client, headers, query: str) -> set[str]:
    response = client.get(f"/api/v1/tasks?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return {t["title"] for t in response.get_json()["items"]}


def test_several_projects(client, tasks):
    headers, _people, _made = tasks
    assert titles(client, headers, "project=OPS&project=WEB") == {"ops-ann", "ops-bob", "web-cy"}
    assert titles(client, headers, "project=SEC") == {"sec-none"}
    assert titles(client, headers, "project=OPS&project=WEB&priority=urgent") == {"web-cy"}


def test_several_assignees_match_any(client, tasks):
    headers, people, _made = tasks
    both = f"assignee_id={people['bob']}&assignee_id={people['cy']}"
    assert titles(client, headers, both) == {"ops-bob", "web-cy"}
    assert titles(client, headers, f"assignee_id={people['ann']}") == {"ops-ann", "ops-bob"}


@pytest.mark.parametrize(
    "query",
    ["project=OPS&project=nope!", "assignee_id=1&assignee_id=x", "assignee_id=0"],
)
def test_a_bad_value_among_several_is_a_422(client, tasks, query):
    response = client.get(f"/api/v1/tasks?{query}", headers=tasks[0])
    assert response.status_code == 422
    assert response.get_json()["errors"]["query"]
