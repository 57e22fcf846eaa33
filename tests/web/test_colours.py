"""Issue 12 item 12: status, severity and priority each have their own colour scale, with
WCAG AA contrast (text ≥ 4.5:1, WCAG 2.2 SC 1.4.3) in the light and the dark theme, a symbol
beside the colour (SC 1.4.1, use of colour), and cards that stand out from the page.

The colours are read from the custom properties in app.css, the file the browser gets."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from api.incidents.models import IncidentStatus, Severity
from api.tasks.models import Priority, TaskStatus
from api.web.filters import badge, badge_kind

CSS = (Path(__file__).resolve().parents[2] / "api" / "static" / "css" / "app.css").read_text()
SCALES = {
    "status": [*TaskStatus, *IncidentStatus],
    "severity": list(Severity),
    "priority": list(Priority),
}


def _block(selector: str) -> dict[str, str]:
    """The custom properties declared in the rule whose selector starts with `selector`."""
    match = re.search(re.escape(selector) + r"[^{]*\{([^}]*)\}", CSS)
    assert match, f"no rule for {selector}"
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", match.group(1)))


THEMES = {"light": _block(":root, [data-bs-theme=light]"), "dark": _block("[data-bs-theme=dark]")}


def _rgb(value: str) -> tuple[int, int, int]:
    value = value.strip()
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", value), value
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _luminance(rgb: tuple[int, int, int]) -> float:
    """Relative luminance, WCAG 2.2 definition."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _pair(theme: str, scale: str, value) -> tuple[str, str]:
    props = THEMES[theme]
    return props[f"--td-{scale}-{value.value}-fg"], props[f"--td-{scale}-{value.value}-bg"]


def test_contrast_helper_matches_known_values():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(
    ("scale", "value"), [(s, v) for s, values in SCALES.items() for v in values]
)
def test_badge_text_meets_wcag_aa(theme, scale, value):
    fg, bg = _pair(theme, scale, value)
    assert contrast(fg, bg) >= 4.5, (theme, scale, value, fg, bg)


@pytest.mark.parametrize("theme", THEMES)
def test_scales_do_not_share_colours(theme):
    """Critical and Reported, High and Investigating were the same red and yellow."""
    seen: dict[str, str] = {}
    for scale, values in SCALES.items():
        for value in values:
            _, bg = _pair(theme, scale, value)
            key = f"{scale}:{value.value}"
            same = [k for k, other in seen.items() if other.lower() == bg.lower()]
            # completed (tasks) and resolved (incidents) both mean "done": one colour on purpose;
            # low and normal priority are both the quiet neutral, told apart by their symbol.
            allowed = {"status:completed", "status:resolved", "priority:low", "priority:normal"}
            assert not same or {key, *same} <= allowed, (theme, key, same)
            seen[key] = bg
    props = THEMES[theme]
    assert props["--td-severity-critical-bg"] != props["--td-status-reported-bg"]
    assert props["--td-severity-high-bg"] != props["--td-status-investigating-bg"]
    assert props["--td-priority-high-bg"] != props["--td-status-investigating-bg"]


def _chroma(colour: str) -> int:
    rgb = _rgb(colour)
    return max(rgb) - min(rgb)


@pytest.mark.parametrize("theme", THEMES)
def test_priority_loudness_rises_with_the_level(theme):
    """ "Normal" was louder than "High": the quiet levels are neutral, the urgent ones coloured."""
    fg = {p: _pair(theme, "priority", p)[0] for p in Priority}
    assert _chroma(fg[Priority.NORMAL]) < 40 and _chroma(fg[Priority.LOW]) < 40
    assert _chroma(fg[Priority.HIGH]) > 100 and _chroma(fg[Priority.URGENT]) > 100
    low, *rest = (_pair(theme, "severity", s)[1] for s in Severity)
    assert _chroma(low) < min(_chroma(c) for c in rest)  # low severity is the quiet fill


@pytest.mark.parametrize("theme", THEMES)
def test_cards_stand_out_from_the_page(theme):
    props = THEMES[theme]
    assert contrast(props["--td-card-bg"], props["--td-page-bg"]) >= 1.1
    assert contrast(props["--td-card-border"], props["--td-page-bg"]) >= 1.2


def test_every_badge_has_its_scale_class_and_a_symbol():
    for scale, values in SCALES.items():
        for value in values:
            classes = badge(value).split()
            assert f"td-{scale}-{value.value}" in classes and "td-badge" in classes
            assert re.search(rf'\.td-{scale}-{value.value}::before\s*\{{\s*content: "[^"]+"', CSS)
            assert badge_kind(value) == scale.capitalize()
    for a, b in itertools.combinations(Priority, 2):
        assert badge(a) != badge(b)
