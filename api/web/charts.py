"""Geometry for the stats page's SVG charts; templates/stats/_charts.html draws them.

Charts are computed here and drawn as inline SVG: no charting script, nothing to load, and the
Content-Security-Policy stays free of 'unsafe-inline' (colours come from classes in app.css).
Every chart also renders its numbers as a table for screen readers.

The SVGs have no viewBox: they take the card's width, horizontal positions are percentages of
it and vertical ones pixels, so text keeps its CSS size (13 px) on a phone as on a desktop
instead of shrinking with the drawing. Every bar carries its value.
"""

from __future__ import annotations

import math
from typing import Any

ROW_HEIGHT = 44  # px per horizontal bar: label line, then the bar
BAR_SPAN = 82.0  # % of the width the longest horizontal bar takes (room for its value)
TOP = 24  # px above the vertical plot: the top tick's label and the tallest bar's value
BOTTOM = 28  # px below it: the group labels
AXIS = 8.0  # % of the width left of the vertical plot for the tick labels


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
    """A horizontal bar chart of [(label, value, css key)]: each row a label line, then its bar
    and value.

    Returns {"height" (px), "rows": [{"label", "value", "key", "y" (px, the row's top),
    "percent" (the bar's length, % of the width)}], "empty"}.
    """
    top = _nice_max(max((value for _, value, _ in rows), default=0))
    items = [
        {
            "label": label,
            "value": value,
            "key": key,
            "y": i * ROW_HEIGHT,
            "percent": round(BAR_SPAN * value / top, 2) if value else 0,
        }
        for i, (label, value, key) in enumerate(rows)
    ]
    return {
        "height": max(1, len(rows)) * ROW_HEIGHT,
        "rows": items,
        "empty": not any(value for _, value, _ in rows),
    }


def grouped_bars(
    rows: list[tuple[str, int, int]], *, series: tuple[str, str], height: int = 260
) -> dict[str, Any]:
    """A vertical chart of two bars per group: [(group label, first value, second value)].

    Returns {"height" (px), "top" and "plot_height" (px), "axis" (% left of the plot),
    "groups": [{"label", "x" (% centre), "minor" (label hidden on a phone), "bars": [{"x",
    "width", "centre" (%), "y", "height" (px), "value", "series"}]}], "ticks": [{"y", "value"}],
    "series", "empty"}.
    """
    top = _nice_max(max((max(a, b) for _, a, b in rows), default=0))
    plot_height = height - TOP - BOTTOM
    group_width = (100.0 - AXIS) / max(1, len(rows))
    bar_width = group_width * 0.3
    groups = []
    for i, (label, *values) in enumerate(rows):
        left = AXIS + i * group_width
        group_bars = []
        for j, value in enumerate(values):
            bar_height = round(plot_height * value / top, 1)
            x = left + group_width * 0.18 + j * (bar_width + group_width * 0.04)
            group_bars.append(
                {
                    "x": round(x, 2),
                    "width": round(bar_width, 2),
                    "centre": round(x + bar_width / 2, 2),
                    "y": round(TOP + plot_height - bar_height, 1),
                    "height": bar_height,
                    "value": value,
                    "series": j,
                }
            )
        groups.append(
            {
                "label": label,
                "x": round(left + group_width / 2, 2),
                "minor": (len(rows) - 1 - i) % 2 == 1,  # the newest week always keeps its label
                "bars": group_bars,
            }
        )
    values = [0, top // 2, top] if top % 2 == 0 else [0, top]
    ticks = [{"y": round(TOP + plot_height * (1 - v / top), 1), "value": v} for v in values]
    return {
        "height": height,
        "top": TOP,
        "plot_height": plot_height,
        "axis": AXIS,
        "groups": groups,
        "ticks": ticks,
        "series": series,
        "empty": not any(a or b for _, a, b in rows),
    }
