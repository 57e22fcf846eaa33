"""The public status page (/status) and its Atom feed (/status.atom).

Public incidents that are open or resolved in the last 14 days, with the responses staff
marked public; no restricted incident, no person's name in any field; the same bytes for
everyone; cached 30 s with an ETag that answers 304.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import sqlalchemy as sa

from api.db import utcnow
from api.extensions import db
from api.incidents.models import IncidentResponse
from tests.incidents import factories
from tests.web.conftest import WebClient

ATOM = "{http://www.w3.org/2005/Atom}"


def _people(make):
    """Users whose names and addresses are easy to look for in a page."""
    return {
        name: make.user(role=role, username=name, email=f"{name}@people.example")
        for name, role in (
            ("zelda_reporter", "employee"),
            ("yorick_assignee", "employee"),
            ("xavier_manager", "manager"),
        )
    }


def _world(make):
    people = _people(make)
    reporter, assignee, manager = people.values()
    now = utcnow()
    open_one = factories.incident(
        reporter=reporter,
        assignee=assignee,
        status="investigating",
        title="Checkout is slow",
        severity="high",
        description="Seen by zelda_reporter in the shop",
    )
    recent = factories.incident(
        reporter=reporter,
        status="resolved",
        title="Login emails late",
        resolved_at=now - timedelta(days=3),
    )
    old = factories.incident(
        reporter=reporter,
        status="resolved",
        title="Ancient outage",
        resolved_at=now - timedelta(days=15),
    )
    secret = factories.incident(
        reporter=reporter,
        assignee=assignee,
        title="Payroll database leak",
        visibility="restricted",
        status="investigating",
    )
    for row in (
        IncidentResponse(
            incident_id=open_one.id, author=manager, body="We are **on it**.", public=True
        ),
        IncidentResponse(
            incident_id=open_one.id,
            author=assignee,
            body="Internal: yorick restarted db-7",
            public=False,
        ),
        IncidentResponse(incident_id=recent.id, author=manager, body="Fixed, sorry.", public=True),
        IncidentResponse(incident_id=secret.id, author=manager, body="Leak contained", public=True),
    ):
        db.session.add(row)
    db.session.commit()
    return people, {"open": open_one, "recent": recent, "old": old, "secret": secret}


def _no_names(text: str, people) -> None:
    for user in people.values():
        assert user.username not in text
        assert user.email not in text
    assert "zelda" not in text and "yorick" not in text and "xavier" not in text


def test_status_page_lists_public_incidents_and_public_updates_only(client, make):
    people, incidents = _world(make)
    page = client.get("/status")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Checkout is slow" in html and "Login emails late" in html
    assert "Ancient outage" not in html  # resolved more than 14 days ago
    assert "Payroll database leak" not in html and "Leak contained" not in html
    assert "<strong>on it</strong>" in html and "Fixed, sorry." in html
    assert "Internal: yorick" not in html  # not marked public
    assert "Seen by" not in html  # no description
    _no_names(html, people)
    # UTC in <time datetime>, localised by app.js
    assert f'datetime="{incidents["open"].reported_at.isoformat()}"' in html
    assert "data-localise" in html
    assert html.index("Checkout is slow") < html.index("Login emails late")  # open first


def test_status_page_is_the_same_for_everyone_and_sets_no_cookie(app, client, make):
    people, _ = _world(make)
    anonymous = client.get("/status")
    signed_in = WebClient(app).sign_in(people["xavier_manager"]).get("/status")
    assert signed_in.status_code == 200
    assert signed_in.data == anonymous.data
    for answer in (anonymous, signed_in):
        assert answer.headers["Cache-Control"] == "public, max-age=30"
        assert "Set-Cookie" not in answer.headers
        assert "Cookie" not in answer.headers.get("Vary", "")


def test_status_page_answers_304_for_its_etag_and_a_new_tag_after_a_change(client, make):
    people, incidents = _world(make)
    first = client.get("/status")
    etag = first.headers["ETag"]
    again = client.get("/status", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Cache-Control"] == "public, max-age=30"
    db.session.add(
        IncidentResponse(
            incident_id=incidents["open"].id,
            author=people["xavier_manager"],
            body="Nearly there.",
            public=True,
        )
    )
    db.session.commit()
    changed = client.get("/status", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Nearly there." in changed.get_data(as_text=True)


def test_atom_feed_parses_and_holds_the_same_content(client, make):
    people, incidents = _world(make)
    answer = client.get("/status.atom")
    assert answer.status_code == 200
    assert answer.mimetype == "application/atom+xml"
    assert answer.headers["Cache-Control"] == "public, max-age=30"
    text = answer.get_data(as_text=True)
    _no_names(text, people)
    feed = ET.fromstring(answer.data)
    assert feed.tag == f"{ATOM}feed"
    # RFC 4287 §4.1.1: a feed has id, title, updated, an author (or every entry has one)
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [
        f"urn:uuid:{incidents['open'].public_id}",
        f"urn:uuid:{incidents['recent'].public_id}",
    ]
    first = entries[0]
    for name in ("title", "updated", "content"):
        assert first.find(f"{ATOM}{name}") is not None, name
    assert first.find(f"{ATOM}title").text.startswith("Checkout is slow")
    content = first.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "<strong>on it</strong>" in content.text  # escaped HTML, unescaped by the parser
    assert "Internal" not in content.text
    etag = answer.headers["ETag"]
    assert client.get("/status.atom", headers={"If-None-Match": etag}).status_code == 304


def test_empty_status_page_says_all_is_well(client):
    page = client.get("/status")
    assert page.status_code == 200
    assert b'data-testid="all-clear"' in page.data
    feed = ET.fromstring(client.get("/status.atom").data)
    assert feed.findall(f"{ATOM}entry") == []


def test_a_title_with_markup_is_escaped_in_page_and_feed(client, make):
    reporter = make.user(role="employee")
    factories.incident(reporter=reporter, title="<script>x</script> & <b>bold</b>")
    html = client.get("/status").get_data(as_text=True)
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    feed = ET.fromstring(client.get("/status.atom").data)
    title = feed.find(f"{ATOM}entry/{ATOM}title").text
    assert title.startswith("<script>x</script> & <b>bold</b>")


def test_only_staff_mark_a_response_public(client, cast):
    incident = factories.incident(reporter=cast["reporter"], assignee=cast["assignee"])
    url = f"/api/v1/incidents/{incident.public_id}/responses"
    refused = client.post(
        url, json={"body": "Public?", "public": True}, headers=cast.headers["assignee"]
    )
    assert refused.status_code == 403
    plain = client.post(url, json={"body": "Internal"}, headers=cast.headers["assignee"])
    assert plain.status_code == 201 and plain.json["public"] is False
    shown = client.post(
        url, json={"body": "We are on it", "public": True}, headers=cast.headers["manager"]
    )
    assert shown.status_code == 201 and shown.json["public"] is True
    bad = client.post(
        url, json={"body": "x", "public": "yes please"}, headers=cast.headers["admin"]
    )
    assert bad.status_code == 422 and "public" in bad.json["errors"]["json"]
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(IncidentResponse).where(IncidentResponse.incident_id == incident.id)
    ).all()
    assert [(r.body, r.public) for r in rows] == [("Internal", False), ("We are on it", True)]
    html = client.get("/status").get_data(as_text=True)
    assert "We are on it" in html and "Internal" not in html


def test_status_page_and_feed_are_rate_limited_per_address(app, client, rate_limits):
    app.config["RATELIMIT_DEFAULT"] = "3 per minute"  # put back by the rate_limits fixture
    here = {"REMOTE_ADDR": "203.0.113.30"}
    for _ in range(3):
        assert client.get("/status", environ_base=here).status_code == 200
    over = client.get("/status", environ_base=here)
    assert over.status_code == 429
    assert "status page requests from this address" in over.json["message"]
    assert int(over.headers["Retry-After"]) > 0
    elsewhere = client.get("/status.atom", environ_base={"REMOTE_ADDR": "203.0.113.31"})
    assert elsewhere.status_code == 200
