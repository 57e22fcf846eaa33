"""The bench's table: one row per figure, targets and PASS / MISS where a target applies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One line of the table; `passed` is None for a figure without a target."""

    section: str
    measure: str
    value: str
    target: str = ""
    passed: bool | None = None

    @property
    def result(self) -> str:
        return "" if self.passed is None else ("PASS" if self.passed else "MISS")


def seconds(value: float) -> str:
    """Format seconds as `0.412 s`."""
    return f"{value:.3f} s"


def millis(value: float) -> str:
    """Format seconds as milliseconds, `4.21 ms`."""
    return f"{value * 1000:.2f} ms"


def ratio(value: float) -> str:
    """Format a ratio as `1.62 x`."""
    return f"{value:.2f} x"


def render(title: str, rows: list[Row], notes: list[str]) -> str:
    """The table as text: a title, aligned columns, a rule between sections, then notes.

    A section's name is printed on its first row only.
    """
    header = ("", "measure", "value", "target", "result")
    cells = [header]
    for i, r in enumerate(rows):
        section = r.section if i == 0 or rows[i - 1].section != r.section else ""
        cells.append((section, r.measure, r.value, r.target, r.result))
    widths = [max(len(c[i]) for c in cells) for i in range(5)]

    def line(c: tuple[str, ...]) -> str:
        return (
            f"{c[0]:<{widths[0]}}  {c[1]:<{widths[1]}}  {c[2]:>{widths[2]}}  "
            f"{c[3]:<{widths[3]}}  {c[4]}"
        ).rstrip()

    rule = "-" * (sum(widths) + 2 * 4)
    out = [title, "=" * len(title), line(header), rule]
    for i, c in enumerate(cells[1:]):
        if i and c[0]:
            out.append(rule)
        out.append(line(c))
    out.append(rule)
    out.extend(notes)
    return "\n".join(out)
