"""Every link an email carries opens a page of the taskdesk UI (a GET route, not a 404)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.web.blueprints import is_web_endpoint

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "api/templates/email").glob("*.*")),
    ROOT / "api/notifications/render.py",
]
LINK = re.compile(r'link\(\s*"([^"]+)"')
SAMPLES = {"%s": "7b0c7f3e-7a4a-4d54-9a4c-2f0f0b0f0b0f", "%d": "1"}


def _links() -> list[tuple[str, str]]:
    found = []
    for source in SOURCES:
        for path in LINK.findall(source.read_text()):
            found.append((source.name, path))
    return found


def test_the_scan_finds_the_links():
    paths = {path for _name, path in _links()}
    assert {"/sign-in", "/password-reset", "/profile#notifications"} <= paths


@pytest.mark.parametrize(("source", "path"), _links())
def test_each_email_link_routes_to_a_ui_page(app, source, path):
    for placeholder, sample in SAMPLES.items():
        path = path.replace(placeholder, sample)
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(path.split("#")[0], method="GET")
    assert is_web_endpoint(endpoint), f"{source}: {path} is not a UI page ({endpoint})"
