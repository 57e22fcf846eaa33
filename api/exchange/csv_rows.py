"""CSV of tasks, in and out: the columns, the cells, and reading an uploaded file into rows.

Standard `csv` module throughout (RFC 4180 quoting; `csv.Sniffer` tells a comma file from a
semicolon or tab one). Text is UTF-8 (a byte-order mark is allowed on input). Lists (assignees,
labels) are one cell each, items separated by semicolons ("ana; ben").

Formula injection (OWASP "CSV Injection"): an exported cell starting with =, +, -, @, tab or
carriage return gets a leading apostrophe so that a spreadsheet shows it as text; an imported
cell that starts with an apostrophe followed by one of those characters loses the apostrophe, so
an export re-imports as the same text.

Deadlines on input: an ISO 8601 date-time with a UTC offset ("2026-12-01T17:00:00Z",
"2026-12-01T18:00:00+01:00") or a date alone ("2026-12-01", read as 00:00 UTC), between
2000-01-01 and 2100-12-31. On output: UTC, "2026-12-01T17:00:00Z".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from api.errors import Unprocessable
from api.input_rules import EARLIEST, LATEST, RANGE_MESSAGE, is_invisible
from api.request_body import text_problem
from api.tasks.models import Priority, TaskStatus

IMPORT_COLUMNS = ("title", "description", "status", "priority", "deadline", "assignees", "labels")
# Columns an export adds that an import reads past (the new project numbers its own tasks).
EXPORT_ONLY = ("ref", "project", "created_at", "completed_at")
EXPORT_COLUMNS = ("ref", "project", *IMPORT_COLUMNS, "created_at", "completed_at")
MAX_ROWS = 5_000
MAX_BYTES = 2 * 1024 * 1024  # the file; the request body may hold a little more
SEPARATOR = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_TITLE, MAX_DESCRIPTION, MAX_LIST, MAX_LABELS, MAX_LABEL = 200, 20_000, 10, 20, 50
USERNAME = re.compile(r"[A-Za-z0-9_.-]{3,32}")
DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
FILE = "file"


@dataclass(frozen=True)
class RowError:
    """One problem of one row: `line` (1-based, the header is line 1), the `column` name (None:
    the whole row) and a `message` in the user's words."""

    line: int
    column: str | None
    message: str


@dataclass
class ImportRow:
    """A row that passed its own checks (the project's people and labels are checked later)."""

    line: int
    title: str
    description: str = ""
    status: TaskStatus = TaskStatus.PENDING
    priority: Priority = Priority.NORMAL
    deadline: datetime | None = None
    assignees: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


def safe_cell(value: Any) -> str:
    """`value` as an exported cell: text, with a leading apostrophe where a spreadsheet would
    read a formula (OWASP CSV Injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unguard(text: str) -> str:
    """The imported cell without the apostrophe `safe_cell` added."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def utc_text(moment: datetime | None) -> str:
    """ISO 8601 in UTC with a Z ("2026-12-01T17:00:00Z"), or "" for None."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def csv_line(cells: Iterable[Any]) -> str:
    """One CSV record (CRLF-terminated, RFC 4180) of guarded cells."""
    out = io.StringIO()
    csv.writer(out).writerow([safe_cell(c) for c in cells])
    return out.getvalue()


def parse_deadline(text: str) -> datetime:
    """An aware UTC datetime from the accepted deadline forms; ValueError with the message."""
    if DATE_ONLY.fullmatch(text):
        moment = datetime.fromisoformat(text).replace(tzinfo=UTC)
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                "Enter an ISO 8601 date (2026-12-01) or date-time with an offset "
                "(2026-12-01T17:00:00Z)."
            ) from None
        if moment.tzinfo is None:
            raise ValueError("Give the time a UTC offset, like 2026-12-01T17:00:00Z or +01:00.")
    if not EARLIEST <= moment.astimezone(UTC) <= LATEST:
        raise ValueError(RANGE_MESSAGE)
    return moment.astimezone(UTC)


def _items(text: str) -> list[str]:
    return list(dict.fromkeys(item.strip() for item in text.split(SEPARATOR) if item.strip()))


def _choice(enum: Any, text: str, column: str) -> Any:
    value = text.strip().lower().replace(" ", "_")
    try:
        return enum(value)
    except ValueError:
        names = ", ".join(member.value for member in enum)
        raise ValueError(f"Choose one of {names} (not {text.strip()!r}).") from None


def check_row(line: int, cells: dict[str, str]) -> tuple[ImportRow | None, list[RowError]]:
    """The row's values and its errors (one per bad column). With errors, the row holds what
    could be read (its assignees are still checked against the project), or is None when a
    cell is not even text."""
    errors: list[RowError] = []
    values: dict[str, Any] = {}

    def bad(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    for column, raw in cells.items():
        problem = text_problem(raw)
        if problem:
            bad(column, problem)
    if errors:
        return None, errors
    title = cells.get("title", "").strip()
    if not title or all(is_invisible(c) for c in title):
        bad("title", "Enter a title.")
    elif len(title) > MAX_TITLE:
        bad("title", f"Keep the title to {MAX_TITLE} characters.")
    values["title"] = title
    description = cells.get("description", "")
    if len(description) > MAX_DESCRIPTION:
        bad("description", f"Keep the description to {MAX_DESCRIPTION:,} characters.")
    values["description"] = description
    for column, enum in (("status", TaskStatus), ("priority", Priority)):
        if cells.get(column, "").strip():
            try:
                values[column] = _choice(enum, cells[column], column)
            except ValueError as exc:
                bad(column, str(exc))
    if cells.get("deadline", "").strip():
        try:
            values["deadline"] = parse_deadline(cells["deadline"].strip())
        except ValueError as exc:
            bad("deadline", str(exc))
    people = _items(cells.get("assignees", ""))
    wrong = [name for name in people if not USERNAME.fullmatch(name)]
    if wrong:
        bad("assignees", f"Not a username: {', '.join(wrong)}.")
    elif len(people) > MAX_LIST:
        bad("assignees", f"At most {MAX_LIST} assignees.")
    values["assignees"] = people
    labels = _items(cells.get("labels", ""))
    if any(len(name) > MAX_LABEL for name in labels):
        bad("labels", f"Keep each label to {MAX_LABEL} characters.")
    elif len(labels) > MAX_LABELS:
        bad("labels", f"At most {MAX_LABELS} labels.")
    values["labels"] = labels
    return ImportRow(line=line, **values), errors


def _refuse(message: str) -> Unprocessable:
    return Unprocessable.field(FILE, message, location="files")


def _header(raw: list[str]) -> list[str]:
    names = [name.strip().lower() for name in raw]
    if not any(names):
        raise _refuse("The first line must be a header row naming the columns (title, ...).")
    if "title" not in names:
        raise _refuse("The header row has no title column: it is the one column required.")
    known = set(IMPORT_COLUMNS) | set(EXPORT_ONLY)
    unknown = [name or "(blank)" for name in names if name not in known]
    if unknown:
        raise _refuse(
            f"Unknown column {', '.join(unknown)}: the columns are "
            f"{', '.join(IMPORT_COLUMNS)} (and {', '.join(EXPORT_ONLY)}, which are ignored)."
        )
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise _refuse(f"The column {', '.join(twice)} appears twice in the header row.")
    return names


def _dialect(sample: str) -> Any:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_rows(data: bytes) -> tuple[list[ImportRow], list[RowError], int]:
    """The rows of an uploaded CSV file: (rows, row errors, number of data rows). A row with
    errors is among the rows too (so that its other cells can be checked further), unless a
    cell was not text; `RowError.line` ties the two.

    Raises Unprocessable naming `file` when the file as a whole cannot be taken: larger than
    MAX_BYTES, not UTF-8 text, not CSV, no header row, no title column, an unknown or repeated
    column, or more than MAX_ROWS data rows. Blank lines are skipped; line numbers count the
    header as line 1 and name the line a row starts on.
    """
    if len(data) > MAX_BYTES:
        raise _refuse(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if not data.strip():
        raise _refuse("The file is empty: send a CSV file with a header row.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse("The file is not UTF-8 text: save it as CSV UTF-8.") from None
    if "\x00" in text:
        raise _refuse("This is not a CSV file (it holds binary data).")
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text[:4096]))
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    count = 0
    try:
        names = _header(next(reader))
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            count += 1
            if count > MAX_ROWS:
                raise _refuse(f"At most {MAX_ROWS:,} rows per import; split the file.")
            if len(record) > len(names):
                errors.append(
                    RowError(line, None, f"{len(record)} cells; the header names {len(names)}.")
                )
                continue
            cells = {
                name: unguard(value)
                for name, value in zip(names, record, strict=False)
                if name in IMPORT_COLUMNS
            }
            row, problems = check_row(line, cells)
            errors.extend(problems)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        raise _refuse(f"Line {reader.line_num} is not valid CSV ({exc}).") from None
    except StopIteration:
        raise _refuse("The file is empty: send a CSV file with a header row.") from None
    return rows, errors, count
