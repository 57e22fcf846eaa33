"""Forms of the UI, validated by the API's own marshmallow schemas and the services.

A view reads `request.form` into a `Form` (which keeps what the person typed), loads it with the
same schema the JSON route uses (`TaskCreate`, `RegisterIn`, ...), and passes the result to the
same service function. Schema errors and DomainError details land beside their fields; nothing
is written unless both pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, request
from marshmallow import Schema, ValidationError

from api.errors import DomainError, Unprocessable
from api.schemas import humane_errors

GENERIC_PROBLEM = "Please correct the fields marked below."


class Form:
    """The submitted values of one form and its errors: {field: [message, ...]}.

    `message` is a sentence about the whole form (shown above it); `ok` is True while there
    are no errors.
    """

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.errors: dict[str, list[str]] = {}
        self.message: str | None = None

    def value(self, name: str, default: Any = "") -> Any:
        """What to show in the field: the submitted value, else `default`."""
        value = self.values.get(name)
        return default if value is None else value

    def error(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    def add_error(self, name: str, message: str) -> None:
        """Add `message` beside field `name` (once: a repeated message is not shown twice)."""
        messages = self.errors.setdefault(name, [])
        if message not in messages:
            messages.append(message)
        self.message = self.message or GENERIC_PROBLEM

    @property
    def ok(self) -> bool:
        return not self.errors and self.message is None

    def fail(self, error: DomainError) -> None:
        """Take a service's refusal: field errors beside their fields, the message above.

        The service has rolled its unit of work back: nothing of a refused request is written.
        """
        for fields in (error.errors or {}).values():
            if isinstance(fields, dict):
                for name, messages in fields.items():
                    for message in messages if isinstance(messages, list) else [messages]:
                        if str(message) not in self.errors.setdefault(name, []):
                            self.errors[name].append(str(message))
        shown = {m for messages in self.errors.values() for m in messages}
        # Said once: a message that already stands beside its field is not repeated above.
        self.message = GENERIC_PROBLEM if error.message in shown else error.message

    def take_schema_errors(self, messages: dict[str, Any], data: Any = None) -> None:
        """Add marshmallow's {field: [messages]} (nested dicts flattened to their field), in the
        user's words (api.schemas.humane_errors; `data` is what was submitted)."""
        for name, value in humane_errors(messages, data).items():
            if isinstance(value, dict):
                flat = [
                    str(m)
                    for sub in value.values()
                    for m in (sub if isinstance(sub, list) else [sub])
                ]
            else:
                flat = [str(m) for m in (value if isinstance(value, list) else [value])]
            for message in flat:
                self.add_error(name, message)


def read_form(names: Iterable[str], *, secret: Iterable[str] = ()) -> Form:
    """A Form with the submitted values of `names`; `secret` fields are never echoed back."""
    hidden = set(secret)
    return Form({n: request.form.get(n, "") for n in names if n not in hidden})


def load(
    form: Form,
    schema: Schema,
    raw: dict[str, Any],
    *,
    blank_is_none: Iterable[str] = (),
    drop_blank: Iterable[str] = (),
    integers: Iterable[str] = (),
) -> dict[str, Any] | None:
    """Load `raw` (strings from the form) with `schema`; on errors fill `form` and return None.

    Blank strings of `blank_is_none` fields become None (an optional value cleared); blank
    strings of `drop_blank` fields are left out (the schema's default applies). `integers`
    fields arrive as text and are handed to the (strict) schema as numbers when they are digits.
    """
    none_fields, drop_fields = set(blank_is_none), set(drop_blank)
    raw = {k: as_int(v) if k in set(integers) else v for k, v in raw.items()}
    data: dict[str, Any] = {}
    for name, value in raw.items():
        blank = isinstance(value, str) and value.strip() == ""
        if blank and name in drop_fields:
            continue
        data[name] = None if blank and name in none_fields else value
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        form.take_schema_errors(exc.messages if isinstance(exc.messages, dict) else {}, data)
        return None
    return loaded if form.ok else None


def as_int(value: Any) -> Any:
    """A form's digit string as an int (the API's schemas take JSON numbers, strictly)."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        return int(value.strip())
    return value


def local_to_iso(value: str, timezone: str) -> str:
    """Turn a `datetime-local` input ("2026-03-01T17:30") in `timezone` into ISO 8601 with offset.

    A blank value stays blank; an unreadable one is returned unchanged so that the schema names
    the field as invalid.
    """
    value = (value or "").strip()
    if not value:
        return ""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        return value
    if naive.tzinfo is not None:
        return naive.isoformat()
    return naive.replace(tzinfo=ZoneInfo(timezone)).isoformat()


def iso_to_local_input(moment: datetime | None, timezone: str) -> str:
    """The value of a `datetime-local` input for an aware datetime, in `timezone`.

    A value the zone cannot represent (near year 1 or 9999) is given in UTC, never an error.
    """
    if moment is None:
        return ""
    try:
        return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")
    except (OverflowError, ValueError):
        return moment.strftime("%Y-%m-%dT%H:%M")


def checkbox(name: str) -> bool:
    """True when the checkbox `name` was ticked (browsers omit unticked boxes)."""
    return request.form.get(name) in ("on", "true", "1", "yes")


@dataclass
class Outcome:
    """What `attempt` saw: nothing (`ok`), or a refusal with its status `code`, `message` and
    the `headers` it carries (Retry-After, say)."""

    code: int = 200
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.message is None


@contextmanager
def attempt(
    form: Form | None = None, *, invalid: str | None = None, flash_refusal: bool = False
) -> Iterator[Outcome]:
    """Run a view's service call and map a refusal to what the page shows.

    - a DomainError 404 propagates (the UI's 404 page: the object is not there for this person);
    - any other DomainError lands in `form` (field errors and the message, `Form.fail`) when
      given, is flashed as a danger message when `flash_refusal`, and is kept in the Outcome
      (`code`, `message`) for the view to re-render with;
    - a marshmallow ValidationError raised inside (a view loading its form with a schema) is a
      422 whose message is `invalid` (re-raised when `invalid` is None).

    The service has rolled back its own unit of work; the view only decides what to render.
    Code after the failing call inside the block does not run.
    """
    outcome = Outcome()
    try:
        yield outcome
    except ValidationError:
        if invalid is None:
            raise
        outcome.code, outcome.message = 422, invalid
        if flash_refusal:
            flash(invalid, "danger")
    except DomainError as error:
        if error.code == 404:
            raise
        outcome.code, outcome.message, outcome.headers = error.code, error.message, error.headers
        if form is not None:
            form.fail(error)
        if flash_refusal:
            flash(error.message, "danger")


def if_match(etag_of: Any, key: Any) -> str | None:
    """The If-Match of a form: the entity tag of the version it was rendered from (its hidden
    `version` field), made by the model's `etag_of(key, version)`; None without a version."""
    version = request.form.get("version", "")
    return etag_of(key, int(version)) if version.isascii() and version.isdigit() else None


@dataclass(frozen=True)
class Change:
    """One field of an edit conflict: what this person sent (`yours`) and what is saved now
    (`theirs`), both as the form shows them; `shown_*` are the words for the page."""

    name: str
    label: str
    yours: str
    theirs: str
    shown_yours: str
    shown_theirs: str


@dataclass
class Conflict:
    """An edit refused because someone saved first (412 on the form's version, RFC 9110
    §13.1.1). The page shows their version in the form and `changes` beside it; the person
    keeps theirs by doing nothing, or re-sends `yours` against `version` (the saved one) with
    "Use my changes": a second Save never overwrites silently."""

    changes: list[Change]
    yours: dict[str, str]
    version: int
    action: str
    message: str = "Someone else saved this while you were editing; the form shows their version."


def conflict(
    *,
    sent: dict[str, Any],
    saved: dict[str, Any],
    labels: dict[str, str],
    version: int,
    action: str,
    shown: dict[str, dict[str, str]] | None = None,
) -> Conflict:
    """The Conflict of an edit: every field of `labels` whose `sent` value differs from the
    `saved` one (values as form strings; `shown` maps a field's values to their words)."""
    words = shown or {}
    changes = []
    for name, label in labels.items():
        yours, theirs = _as_text(sent.get(name)), _as_text(saved.get(name))
        if yours != theirs:
            say = words.get(name, {})
            changes.append(
                Change(
                    name,
                    label,
                    yours,
                    theirs,
                    say.get(yours, yours) or "(empty)",
                    say.get(theirs, theirs) or "(empty)",
                )
            )
    return Conflict(changes, {n: _as_text(sent.get(n)) for n in labels}, version, action)


def _as_text(value: Any) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n")


def after_post_url() -> str | None:
    """Where a page rendered in answer to a POST should say it is (history.replaceState in
    app.js), so that reloading it asks for the page again instead of re-sending the form: the
    same URL when it also answers GET, else the page the form was sent from (same origin). None
    for GET requests, and for a post from another origin (a forged one stays where it landed)."""
    if request.method != "POST":
        return None
    rule = request.url_rule
    if rule is not None and "GET" in (rule.methods or ()):
        query = request.query_string.decode("latin-1")
        return request.path + (f"?{query}" if query else "")
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        return "/" + referrer[len(request.host_url) :]
    return None


def zone_groups(
    names: Iterable[str], *, keep: str | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """IANA zone names grouped by region for a select's <optgroup>s, regions in name order.

    Returns [(region, [(name, text)])]: "Europe/Paris" sits under "Europe" as "Paris";
    "America/Argentina/Salta" under "America" as "Argentina / Salta"; names without a region
    ("UTC", "EST5EDT") under "Other" (last). `keep` (a person's current zone) is added when
    tzdata no longer ships it, so saving the form keeps it.
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    listed = set(names)
    if keep and keep not in listed:
        listed.add(keep)
    for name in sorted(listed):
        region, _, place = name.partition("/")
        if not place:
            region, place = "Other", name
        groups.setdefault(region, []).append((name, place.replace("_", " ").replace("/", " / ")))
    other = groups.pop("Other", [])
    return [*groups.items(), *([("Other", other)] if other else [])]


def list_page(fetch: Callable[..., Any], query: dict[str, Any], errors: dict[str, Any]) -> Any:
    """One page of a list view and the query's errors: `fetch(page=, cursor=)` at the query's
    position, or, when that position is refused (a stale or foreign cursor, a page past the
    10,000-row cap: 422 on `cursor` / `page`), the first page with that refusal added to
    `errors`. Returns (page, errors). Any other refusal is raised."""
    try:
        return fetch(page=query["page"], cursor=query.get("cursor")), errors
    except Unprocessable as exc:
        refused = (exc.errors or {}).get("query", {})
        if not refused or set(refused) - {"cursor", "page"}:
            raise
        return fetch(page=1, cursor=None), {**errors, **refused}
