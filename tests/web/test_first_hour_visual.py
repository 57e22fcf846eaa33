"""Issue 12, items 10 and 13 as the server renders them: every IANA zone grouped by region on
register and profile; stats weeks and labels in the viewer's zone, every bar with its value."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from api.stats import service as stats
from api.users.service import time_zones
from api.web.charts import grouped_bars
from api.web.forms import zone_groups
from tests.incidents import factories


def _zone_select(body: str) -> str:
    return re.search(r'<select[^>]*id="timezone".*?</select>', body, re.S).group(0)


def test_register_offers_every_zone_grouped_by_region(web):
    select = _zone_select(web.get("/register").get_data(as_text=True))
    offered = re.findall(r'<option value="([^"]+)"', select)
    assert len(offered) == len(time_zones()) > 400
    assert {"Asia/Kathmandu", "America/Argentina/Salta", "Pacific/Chatham", "UTC"} <= set(offered)
    assert '<optgroup label="Europe">' in select and '<optgroup label="Other">' in select
    assert 'data-browser-zone="preselect"' in select  # app.js picks the browser's own zone


def test_profile_offers_every_zone_and_keeps_the_saved_one(browser_as):
    _, browser = browser_as("employee", timezone="Asia/Kathmandu")
    select = _zone_select(browser.get("/profile").get_data(as_text=True))
    assert len(re.findall(r"<option ", select)) == len(time_zones())
    assert '<option value="Asia/Kathmandu" selected>Kathmandu</option>' in select
    assert 'data-browser-zone="suggest"' in select


def test_zone_groups_shape():
    groups = dict(zone_groups(["Europe/Paris", "UTC", "America/Argentina/Salta"], keep="Old/Gone"))
    assert groups == {
        "America": [("America/Argentina/Salta", "Argentina / Salta")],
        "Europe": [("Europe/Paris", "Paris")],
        "Old": [("Old/Gone", "Gone")],
        "Other": [("UTC", "UTC")],
    }


def test_weeks_are_the_viewers(make):
    manager = make.user(role="manager")
    # Sunday 20:00 UTC is already Monday 05:00 in Tokyo: the next week there.
    sunday = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    factories.incident(reporter=manager, reported_at=sunday)
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    utc = stats.incidents_per_week(actor=manager, weeks=2, now=now)
    tokyo = stats.incidents_per_week(actor=manager, weeks=2, now=now, zone="Asia/Tokyo")
    assert [w["opened"] for w in utc] == [1, 0]
    assert [w["opened"] for w in tokyo] == [0, 1]
    assert tokyo[1]["week"].isoformat() == "2026-11-23T00:00:00+09:00"
    assert stats.incidents_per_week(actor=manager, weeks=1, now=now, zone="No/Such")


def test_stats_page_names_the_viewers_zone_and_labels_values(browser_as, make):
    user, browser = browser_as("manager", timezone="America/New_York")
    factories.incident(reporter=user)
    body = browser.get("/stats").get_data(as_text=True)
    assert "UTC weeks" not in body
    assert "America/New_York time" in body
    weekly = body[body.index('aria-labelledby="weekly-svg"') :]
    assert weekly.count('class="chart-value"') == 16  # 8 weeks, two bars each, each labelled


def test_top_axis_label_is_inside_the_chart():
    chart = grouped_bars([("a", 7, 3)], series=("x", "y"))
    top_tick = min(t["y"] for t in chart["ticks"])
    assert top_tick - 13 >= 0  # a 13 px label above its baseline is not clipped
    tallest = min(b["y"] for g in chart["groups"] for b in g["bars"])
    assert tallest - 5 - 13 >= 0  # nor the tallest bar's value
