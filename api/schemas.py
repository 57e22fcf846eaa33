"""Schemas shared by every resource: pagination and the error envelope."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, fields, validate

MAX_PAGE_SIZE = 100


class PageQuery(Schema):
    """`page` (1-based) and `page_size` (1 to 100) query parameters."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """A list envelope: {"items": [...], "page", "page_size", "total", "pages"}.

    `items` is one `Nested(many=True)`, which dumps the page in a single pass of the item schema;
    `List(Nested(...))` would run a whole schema dump per item, a third more time for 50 tasks.
    Both document the same array of item references.
    """
    return Schema.from_dict(
        {
            "items": fields.Nested(item_schema, many=True),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
            "total": fields.Integer(),
            "pages": fields.Integer(),
        },
        name=name,
    )


class ObjectSchema(Schema):
    """A read schema that dumps objects (entities, dataclasses): each field is `getattr`.

    marshmallow's default accessor also serves mappings and dotted names, so for every field it
    checks the object for item access first; on a 50-task page that is an eighth of the dump.
    Dump only objects with these schemas, never dicts.
    """

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return getattr(obj, attr, default)


class ErrorSchema(Schema):
    """The error envelope of every API error (shared/design.md §4)."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String()
    errors = fields.Dict()


class UserBrief(Schema):
    """A user as others see them."""

    id = fields.Integer()
    username = fields.String()


class Person(fields.Nested):
    """A nested person, documented as UserBrief and dumped as {"id", "username"} in one step.

    A 50-task page holds 100 people; marshmallow's nested dump runs a schema pass for each
    (about a fifth of the page's dump time), where two attribute reads suffice.
    tests/test_schemas.py checks the output against UserBrief's.
    """

    KEYS = tuple(UserBrief().dump_fields)  # ("id", "username"): plain values, no formatting

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(UserBrief, allow_none=True, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else {key: getattr(value, key) for key in self.KEYS}


# The shared error-message layer (issue 12): marshmallow's and webargs' default messages
# ("Missing data for required field.", "Length must be between 1 and 200.") rewritten in the
# user's words, naming the field. `humane_errors` runs on every API 422 (api/errors.py) and on
# every form (api/web/forms.py), so both read alike; a message already written for people (by
# a service or a field's own `error=`) passes through unchanged.
LABELS: dict[str, tuple[str, str]] = {
    # field: (label, with article)
    "title": ("title", "a title"),
    "description": ("description", "a description"),
    "email": ("email address", "an email address"),
    "login": ("email address or username", "your email address or username"),
    "username": ("username", "a username"),
    "password": ("password", "a password"),
    "password_confirm": ("password confirmation", "the password again"),
    "current_password": ("current password", "your current password"),
    "new_password": ("new password", "a new password"),
    "body": ("response", "a response"),
    "assignee_id": ("assignee", "an assignee"),
    "deadline": ("deadline", "a deadline"),
    "timezone": ("time zone", "a time zone"),
    "requested_role": ("role", "a role"),
    "page_size": ("page size", "a page size"),
    "q": ("search text", "some search text"),
    "token": ("reset link", "the reset link"),
}


def label(field: str) -> tuple[str, str]:
    """(label, label with its article) of a field name: ("title", "a title")."""
    if field in LABELS:
        return LABELS[field]
    words = field.removesuffix("_id").replace("_", " ")
    return words, ("an " if words[:1] in "aeiou" else "a ") + words


def _length(value: Any) -> int | None:
    return len(value.strip()) if isinstance(value, str) else None


def humane(field: str, message: str, value: Any = None) -> str:
    """One message in the user's words, naming `field`; unknown messages are returned as is.

    `value` is what was sent for the field (None when absent): it tells "too short" from "too
    long" for a length rule.
    """
    name, article = label(field)
    cap = name[:1].upper() + name[1:]
    size = _length(value)
    if message in ("Missing data for required field.", "Field may not be null.", NOT_VISIBLE):
        return f"Enter {article}."
    match = _LENGTH.match(message)
    if match:
        low = int(match.group("min") or match.group("min2") or 0)
        high = int(match.group("max") or match.group("max2") or 0)
        if size == 0 or (size is not None and size < low and low <= 1):
            return f"Enter {article}."
        if size is not None and size < low:
            return f"{cap} must be at least {low} characters."
        if high:
            return f"{cap} must be at most {high} characters."
        return f"{cap} must be at least {low} characters."
    match = _ONE_OF.match(message)
    if match:
        return f"Choose {article}: one of {match.group('choices')}."
    match = _RANGE.match(message)
    if match:
        return f"{cap} must be {match.group('rest')}"
    simple = _SIMPLE.get(message)
    if simple:
        return simple.format(cap=cap, article=article, field=field)
    return message


NOT_VISIBLE = "Must not be blank."
_LENGTH = re.compile(
    r"^(?:Length must be between (?P<min>\d+) and (?P<max>\d+)\."
    r"|Shorter than minimum length (?P<min2>\d+)\.|Longer than maximum length (?P<max2>\d+)\.)$"
)
_ONE_OF = re.compile(r"^Must be one of: (?P<choices>.*)\.$")
_RANGE = re.compile(r"^Must be (?P<rest>(?:greater|less) than .*)$")
_SIMPLE = {
    "Not a valid email address.": "Enter a valid email address.",
    "Not a valid integer.": "{cap} must be a whole number.",
    "Not a valid number.": "{cap} must be a number.",
    "Not a valid string.": "{cap} must be text.",
    "Not a valid boolean.": "{cap} must be true or false.",
    "Not a valid datetime.": "{cap} must be a date and time such as 2026-03-01T17:30:00+01:00.",
    "Not a valid aware datetime.": "{cap} must include a UTC offset, such as +01:00.",
    "Not a valid date.": "{cap} must be a date such as 2026-03-01.",
    "Not a valid list.": "{cap} must be a list.",
    "Not a valid mapping type.": "{cap} must be an object.",
    "Invalid value.": "{cap} is not valid.",
    "String does not match expected pattern.": "{cap} is not in the expected form.",
    "Invalid input type.": "The request body must be a JSON object.",
}


def humane_errors(messages: Any, data: Any = None) -> Any:
    """marshmallow's {field: [messages]} (or {location: {field: [...]}}) with every message
    in the user's words, each once; `data` is the input the messages are about."""
    if not isinstance(messages, dict):
        return messages
    out: dict[str, Any] = {}
    for field, value in messages.items():
        sub = data.get(field) if isinstance(data, dict) else None
        if isinstance(value, dict) and not _is_index_map(value):
            out[field] = humane_errors(value, sub)
            continue
        if isinstance(value, dict):  # list items: {0: [...]}
            out[field] = {k: _humane_list(field, v, None) for k, v in value.items()}
            continue
        out[field] = _humane_list(field, value, sub)
    return out


def _is_index_map(value: dict) -> bool:
    return bool(value) and all(isinstance(k, int) for k in value)


def _humane_list(field: str, value: Any, sent: Any) -> Any:
    if isinstance(value, dict):
        return humane_errors(value, sent)
    items = value if isinstance(value, list) else [value]
    seen: list[Any] = []
    for item in items:
        text = humane(field, item, sent) if isinstance(item, str) else item
        if text not in seen:
            seen.append(text)
    return seen
