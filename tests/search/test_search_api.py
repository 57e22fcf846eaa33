"""The one search (/api/v1/search): tasks by ref, title, description and comments, incidents
by title, description and responses; only what the caller may see; ranked, paginated, with
highlighted snippets; bad input answers 422."""

from __future__ import annotations

import pytest

from api.comments.models import TaskComment
from api.extensions import db as _db
from api.incidents.models import Visibility
from api.search import service
from tests.incidents import factories as incidents

URL = "/api/v1/search"


def comment(task, author, body):
    row = TaskComment(task_id=task.id, author_id=author.id, body=body)
    _db.session.add(row)
    _db.session.commit()
    return row


@pytest.fixture
def world(make, auth):
    member, member_h = auth.as_role("employee")
    outsider, outsider_h = auth.as_role("employee")
    lead = make.user(role="manager")
    ops = make.project("OPS", members={lead: "lead", member: "member"})
    sec = make.project("SEC", members={lead: "lead", outsider: "member"})
    boiler = make.task(
        title="Replace the boiler valve",
        description="The valve leaks <b>hot</b> water.",
        project=ops,
        created_by=lead,
    )
    invoice = make.task(title="Send the March invoice", project=ops, created_by=lead)
    comment(invoice, lead, "The customer asked about the zeppelin delivery too.")
    secret = make.task(title="Rotate the boiler room keys", project=sec, created_by=lead)
    public = incidents.incident(
        reporter=outsider, title="Boiler alarm at night", description="Loud alarm."
    )
    restricted = incidents.incident(
        reporter=outsider, title="Boiler sabotage suspected", visibility=Visibility.RESTRICTED
    )
    incidents.response(public, lead, "The zeppelin sensor tripped it.")
    return {
        "member": (member, member_h),
        "outsider": (outsider, outsider_h),
        "boiler": boiler,
        "invoice": invoice,
        "secret": secret,
        "public": public,
        "restricted": restricted,
    }


def search(client, headers, **params):
    response = client.get(URL, query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_finds_only_what_the_caller_may_see(client, world):
    body = search(client, world["member"][1], q="boiler")
    found = {(hit["kind"], hit["title"]) for hit in body["items"]}
    assert found == {("task", "Replace the boiler valve"), ("incident", "Boiler alarm at night")}
    assert body["total"] == 2 and body["total_is_lower_bound"] is False and body["jump"] is None
    # the outsider sees SEC's task and the incidents they reported, not OPS's task
    outsider = search(client, world["outsider"][1], q="boiler")
    assert {hit["title"] for hit in outsider["items"]} == {
        "Rotate the boiler room keys",
        "Boiler alarm at night",
        "Boiler sabotage suspected",
    }


def test_comments_and_responses_are_searched(client, world):
    body = search(client, world["member"][1], q="zeppelin")
    by_kind = {hit["kind"]: hit for hit in body["items"]}
    assert by_kind["task"]["ref"] == world["invoice"].ref
    assert by_kind["task"]["matched"] == "comment"
    assert "<mark>zeppelin</mark>" in by_kind["task"]["snippet"]
    assert by_kind["incident"]["matched"] == "response"
    assert by_kind["incident"]["url"] == f"/incidents/{world['public'].public_id}"


def test_every_word_must_match_as_a_prefix(client, world):
    headers = world["member"][1]
    assert [h["title"] for h in search(client, headers, q="boil valv")["items"]] == [
        "Replace the boiler valve"
    ]
    assert search(client, headers, q="boiler invoice")["items"] == []


def test_snippets_escape_the_text_and_mark_the_words(client, world):
    hit = search(client, world["member"][1], q="valve leaks")["items"][0]
    assert (
        hit["snippet"] == "The <mark>valve</mark> <mark>leaks</mark> &lt;b&gt;hot&lt;/b&gt; water."
    )


def test_a_ref_jumps_to_the_task(client, world):
    headers = world["member"][1]
    ref = world["boiler"].ref
    body = search(client, headers, q=ref.lower())
    assert body["jump"] == f"/tasks/{world['boiler'].id}"
    assert body["items"][0]["matched"] == "ref" and body["items"][0]["ref"] == ref
    # a ref the caller may not see is no jump, and says nothing
    hidden = search(client, headers, q=world["secret"].ref)
    assert hidden["jump"] is None and hidden["items"] == []


def test_pages(client, world, make):
    headers = world["member"][1]
    for n in range(5):
        make.task(title=f"Quarterly report part {n}", project=world["boiler"].project)
    first = search(client, headers, q="quarterly", page_size=2)
    third = search(client, headers, q="quarterly", page_size=2, page=3)
    assert first["total"] == 5 and first["pages"] == 3
    assert len(first["items"]) == 2 and len(third["items"]) == 1
    seen = {
        h["id"]
        for p in (1, 2, 3)
        for h in search(client, headers, q="quarterly", page_size=2, page=p)["items"]
    }
    assert len(seen) == 5


def test_the_ranked_set_is_capped(client, world, make, monkeypatch):
    monkeypatch.setattr(service, "RANKED", 3)
    for n in range(5):
        make.task(title=f"Capped topic {n}", project=world["boiler"].project)
    body = search(client, world["member"][1], q="capped")
    assert body["total"] == 3 and body["total_is_lower_bound"] is True


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "the"}, "q"),  # only a common word
        ({"q": "ab"}, "q"),  # too short for the index
        ({"q": "x" * 201}, "q"),
        ({"q": "boiler", "page_size": 51}, "page_size"),
        ({"q": "boiler", "page": 0}, "page"),
    ],
)
def test_bad_input_is_a_clear_422(client, world, params, message):
    response = client.get(URL, query_string=params, headers=world["member"][1])
    assert response.status_code == 422, response.get_json()
    assert message in response.get_json()["errors"]["query"]


def test_anonymous_callers_are_refused(client, world):
    assert client.get(URL, query_string={"q": "boiler"}).status_code == 401


def test_a_disabled_account_finds_nothing(world, make):
    """Called directly (a script, a job): a disabled account holds no read capability."""
    disabled = make.user(role="admin", status="disabled")
    results = service.search(q="boiler", actor=disabled, page=1, page_size=20)
    assert results.items == [] and results.total == 0


def test_a_row_deleted_since_it_was_ranked_is_left_out(world, monkeypatch):
    ranked = service._rank

    def rank_with_a_ghost(found, actor, hits):
        capped = ranked(found, actor, hits)
        hits[("task", 999_999_999)] = service.Hit("task", 999_999_999, 1e9, "text")
        return capped

    monkeypatch.setattr(service, "_rank", rank_with_a_ghost)
    results = service.search(q="boiler", actor=world["member"][0], page=1, page_size=20)
    assert sorted(h.title for h in results.items) == [
        "Boiler alarm at night",
        "Replace the boiler valve",
    ]
