"""The post-incident review: written once the incident is resolved, by managers and admins
(incident.review; the incident's lead per api/incidents/rules.py), Markdown sanitised like
comments, a done state, the stats' open counts and the Markdown export with the timeline."""

from __future__ import annotations

from api.extensions import db
from api.incidents.models import IncidentReview
from tests.incidents import factories


def _url(incident, suffix: str = "review") -> str:
    return f"/api/v1/incidents/{incident.public_id}/{suffix}"


def _review(incident) -> IncidentReview | None:
    db.session.expire_all()
    return db.session.get(IncidentReview, incident.id)


def test_manager_writes_and_completes_the_review(client, cast):
    incident = factories.incident(reporter=cast["reporter"], status="resolved")
    empty = client.get(_url(incident), headers=cast.headers["bystander"])
    assert empty.status_code == 200
    assert empty.json["state"] == "not_started" and empty.json["editable"] is False
    assert empty.json["version"] == 0

    saved = client.patch(
        _url(incident),
        json={
            "summary": "Checkout **failed** for 20 minutes.",
            "root_cause": "<script>alert(1)</script>A full disk",
        },
        headers=cast.headers["manager"],
    )
    assert saved.status_code == 200, saved.json
    assert saved.json["state"] == "draft" and saved.json["editable"] is True
    assert (
        saved.json["summary"]["html"] == "<p>Checkout <strong>failed</strong> for 20 minutes.</p>\n"
    )
    assert "<script>" not in saved.json["root_cause"]["html"]
    assert saved.headers["ETag"] == f'"review-{incident.id}-v1"'
    row = _review(incident)
    assert row.summary == "Checkout **failed** for 20 minutes." and row.completed_at is None

    done = client.patch(
        _url(incident),
        json={"done": True},
        headers={**cast.headers["admin"], "If-Match": saved.headers["ETag"]},
    )
    assert done.status_code == 200
    assert done.json["state"] == "done" and done.json["completed_at"]
    assert _review(incident).completed_at is not None

    stale = client.patch(
        _url(incident),
        json={"impact": "x"},
        headers={**cast.headers["admin"], "If-Match": saved.headers["ETag"]},
    )
    assert stale.status_code == 412
    assert _review(incident).impact == ""


def test_only_managers_and_admins_edit_the_review(client, cast):
    incident = factories.incident(
        reporter=cast["reporter"], assignee=cast["assignee"], status="resolved"
    )
    for name in ("reporter", "assignee", "bystander"):
        answer = client.patch(_url(incident), json={"summary": "Mine"}, headers=cast.headers[name])
        assert answer.status_code == 403, name
    assert _review(incident) is None
    restricted = factories.incident(
        reporter=cast["reporter"], visibility="restricted", status="resolved"
    )
    hidden = client.patch(
        _url(restricted), json={"summary": "x"}, headers=cast.headers["bystander"]
    )
    assert hidden.status_code == 404
    for name in ("manager", "admin"):
        answer = client.patch(_url(incident), json={"summary": name}, headers=cast.headers[name])
        assert answer.status_code == 200
    assert _review(incident).summary == "admin"


def test_the_review_waits_for_the_resolution(client, cast):
    incident = factories.incident(reporter=cast["reporter"], status="investigating")
    answer = client.patch(
        _url(incident), json={"summary": "Too soon"}, headers=cast.headers["admin"]
    )
    assert answer.status_code == 409
    assert "resolved" in answer.json["message"]
    assert _review(incident) is None


def test_bad_review_input_is_422(client, cast):
    incident = factories.incident(reporter=cast["reporter"], status="resolved")
    for body, field in (
        ({"summary": "x" * 20_001}, "summary"),
        ({"done": "maybe"}, "done"),
        ({"author": "me"}, "author"),
    ):
        answer = client.patch(_url(incident), json=body, headers=cast.headers["admin"])
        assert answer.status_code == 422 and field in answer.json["errors"]["json"], body
    assert _review(incident) is None


def test_stats_count_open_reviews_and_follow_ups(client, make, cast):
    make.project("OPS", members={cast["manager"]: "lead"})
    first = factories.incident(reporter=cast["reporter"], status="resolved")
    second = factories.incident(reporter=cast["reporter"], status="resolved")
    factories.incident(reporter=cast["reporter"], status="investigating")
    for title in ("One", "Two"):
        client.post(
            _url(first, "follow-ups"),
            json={"title": title, "project": "OPS"},
            headers=cast.headers["manager"],
        )
    figures = client.get("/api/v1/stats", headers=cast.headers["manager"]).json["incidents"]
    assert figures["reviews_open"] == 2 and figures["follow_ups_open"] == 2
    client.patch(_url(second), json={"summary": "s", "done": True}, headers=cast.headers["admin"])
    figures = client.get("/api/v1/stats", headers=cast.headers["manager"]).json["incidents"]
    assert figures["reviews_open"] == 1


def test_review_markdown_export(client, make, cast):
    make.project("OPS", members={cast["manager"]: "lead"})
    incident = factories.incident(
        reporter=cast["reporter"], status="resolved", title="Queue stalled", severity="high"
    )
    client.post(
        _url(incident, "follow-ups"),
        json={"title": "Alarm on queue age", "project": "OPS"},
        headers=cast.headers["manager"],
    )
    client.patch(
        _url(incident),
        json={"summary": "The queue stalled.", "went_well": "- paging worked", "done": True},
        headers=cast.headers["manager"],
    )
    answer = client.get(_url(incident, "review.md"), headers=cast.headers["manager"])
    assert answer.status_code == 200
    assert answer.mimetype == "text/markdown"
    assert "attachment" in answer.headers["Content-Disposition"]
    text = answer.get_data(as_text=True)
    assert text.startswith("# Post-incident review: Queue stalled\n")
    assert "- Severity: high" in text and "- Review: done " in text
    assert "## Summary\n\nThe queue stalled.\n" in text
    assert "## What went well\n\n- paging worked\n" in text
    assert "## Root cause\n\n_Not written yet._" in text
    assert "- OPS-1 Alarm on queue age (pending)" in text
    timeline = text.split("## Timeline", 1)[1]
    assert "manager added a follow-up task: task OPS-1" in timeline
    assert "manager edited the post-incident review: sections summary, went well;" in timeline
    assert "review draft → done" in timeline
    # A reader outside OPS gets the review without the task they may not see.
    other = client.get(_url(incident, "review.md"), headers=cast.headers["bystander"])
    assert other.status_code == 200 and "Alarm on queue age" not in other.get_data(as_text=True)
    hidden = factories.incident(reporter=cast["reporter"], visibility="restricted")
    assert (
        client.get(_url(hidden, "review.md"), headers=cast.headers["bystander"]).status_code == 404
    )
