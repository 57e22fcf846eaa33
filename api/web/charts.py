"""Geometry for the stats page's SVG charts; templates/stats/_charts.html draws them.

Charts are computed here and drawn as inline SVG: no charting script, nothing to load, and the
Content-Security-Policy stays free of 'unsafe-inline' (colours come from classes in app.css).
Every chart also renders its numbers as a table for screen readers.
"""

from __future__ import annotations

import math
from typing import Any

LABEL_WIDTH = 120
BAR_AREA = 340
ROW_HEIGHT = 30


def _nice_max(value: float) -> int:
    """A round axis maximum at or above `value` (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def bars(rows: list[tuple[str, int, str]]) -> dict[str, Any]:
    """A horizontal bar chart of [(label, value, css key)].

    Returns {"width", "height", "rows": [{"label", "value", "key", "y", "length"}], "empty"};
    lengths are in SVG user units within a BAR_AREA-wide plot.
    """
    top = _nice_max(max((value for _, value, _ in rows), default=0))
    items = [
        {
            "label": label,
            "value": value,
            "key": key,
            "y": i * ROW_HEIGHT,
            "length": round(BAR_AREA * value / top, 1) if value else 0,
        }
        for i, (label, value, key) in enumerate(rows)
    ]
    return {
        "width": LABEL_WIDTH + BAR_AREA + 50,
        "height": max(1, len(rows)) * ROW_HEIGHT,
        "label_width": LABEL_WIDTH,
        "rows": items,
        "empty": not any(value for _, value, _ in rows),
    }


def grouped_bars(
    rows: list[tuple[str, int, int]], *, series: tuple[str, str], height: int = 240
) -> dict[str, Any]:
    """A vertical chart of two bars per group: [(group label, first value, second value)].

    Returns {"width", "height", "plot_height", "groups": [{"label", "x", "bars": [{"x", "y",
    "height", "value", "series"}]}], "ticks": [{"y", "value"}], "series", "empty"}.
    """
    top = _nice_max(max((max(a, b) for _, a, b in rows), default=0))
    plot_height, left, group_width, bar_width = height - 30, 36, 100, 30
    groups = []
    for i, (label, *values) in enumerate(rows):
        x = left + i * group_width
        group_bars = []
        for j, value in enumerate(values):
            bar_height = round(plot_height * value / top, 1)
            group_bars.append(
                {
                    "x": x + 18 + j * (bar_width + 4),
                    "y": round(plot_height - bar_height, 1),
                    "height": bar_height,
                    "value": value,
                    "series": j,
                }
            )
        groups.append({"label": label, "x": x + group_width / 2, "bars": group_bars})
    values = [0, top // 2, top] if top % 2 == 0 else [0, top]
    ticks = [{"y": round(plot_height * (1 - v / top), 1), "value": v} for v in values]
    return {
        "width": left + group_width * max(1, len(rows)) + 8,
        "height": height,
        "plot_height": plot_height,
        "left": left,
        "groups": groups,
        "ticks": ticks,
        "series": series,
        "empty": not any(a or b for _, a, b in rows),
    }
