"""Task search (api.tasks.queries.search_term): full text on MariaDB (FULLTEXT, boolean mode)
and SQLite (FTS5), ranked by relevance; short and stop-word queries fall back to a title
prefix. The same answers on both engines."""

from __future__ import annotations

import pytest

URL = "/api/v1/tasks"


@pytest.fixture
def manager_h(auth):
    return auth.as_role("manager")[1]


def _ids(client, headers, **query) -> list[int]:
    response = client.get(URL, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


@pytest.fixture
def docs(make):
    return {
        "once": make.task(title="Send the invoice", description="For the March retainer."),
        "thrice": make.task(
            title="Invoice review", description="Invoice totals; invoice numbering."
        ),
        "other": make.task(title="Plan the offsite", description="Venue and travel."),
        "spare": make.task(title="Renew the domain", description="Before it lapses."),
    }


def test_words_match_title_or_description_ranked_by_relevance(client, manager_h, docs):
    assert _ids(client, manager_h, q="invoice") == [docs["thrice"].id, docs["once"].id]
    assert _ids(client, manager_h, q="INVOICE") == [docs["thrice"].id, docs["once"].id]
    assert _ids(client, manager_h, q="venue") == [docs["other"].id]  # description only


def test_every_word_is_required_and_matches_as_a_prefix(client, manager_h, docs):
    assert _ids(client, manager_h, q="invoice march") == [docs["once"].id]
    assert sorted(_ids(client, manager_h, q="invo")) == sorted([docs["once"].id, docs["thrice"].id])
    assert _ids(client, manager_h, q="invoice offsite") == []


def test_an_explicit_sort_wins_over_relevance(client, manager_h, docs):
    assert _ids(client, manager_h, q="invoice", sort="created") == [
        docs["once"].id,
        docs["thrice"].id,
    ]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("the", []),  # a stop word alone: titles starting with "the"
        ("Re", ["spare"]),  # too short for the full-text index: a title prefix
        ("pl", ["other"]),
        ("a of", []),
        ('"+-*()~<>@', []),  # the engines' operators are never passed through
        ("in*", []),  # "in*" is no word: a title starting with "in*"
    ],
)
def test_short_stop_word_and_operator_queries_fall_back_without_error(
    client, manager_h, docs, q, expected
):
    assert _ids(client, manager_h, q=q) == [docs[name].id for name in expected]


def test_search_follows_edits_and_deletes(client, auth, docs):
    admin_h = auth.as_role("admin")[1]
    task = docs["spare"]
    etag = client.get(f"{URL}/{task.id}", headers=admin_h).headers["ETag"]
    response = client.patch(
        f"{URL}/{task.id}",
        json={"title": "Renew the certificate"},
        headers={**admin_h, "If-Match": etag},
    )
    assert response.status_code == 200
    assert _ids(client, admin_h, q="certificate") == [task.id]
    assert _ids(client, admin_h, q="domain") == []
    assert client.delete(f"{URL}/{docs['other'].id}", headers=admin_h).status_code == 204
    assert _ids(client, admin_h, q="offsite") == []


def test_search_keeps_to_what_the_caller_may_see(client, auth, make):
    employee, employee_h = auth.as_role("employee")
    mine = make.task(title="Quarterly invoice", assignee=employee)
    elsewhere = make.project("HIDE")  # the employee is not a member (issue 14)
    make.task(title="Quarterly invoice for others", project=elsewhere)
    assert _ids(client, employee_h, q="quarterly") == [mine.id]


def test_search_pages_by_cursor(client, manager_h, make):
    made = [make.task(title=f"Backlog grooming {n}") for n in range(5)]
    body = client.get(URL, query_string={"q": "backlog", "page_size": 2}, headers=manager_h).json
    seen = [i["id"] for i in body["items"]]
    while body["next"]:
        body = client.get(
            URL,
            query_string={"q": "backlog", "page_size": 2, "cursor": body["next"]},
            headers=manager_h,
        ).json
        seen += [i["id"] for i in body["items"]]
    assert sorted(seen) == sorted(t.id for t in made)
    assert len(seen) == 5
