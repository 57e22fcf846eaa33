"""Field rules shared by the input schemas: the accepted date range, and text that shows.

- `Moment`: an ISO 8601 date-time with an offset, between EARLIEST and LATEST (UTC). A deadline
  in year 9999 is a typo or an attack, and near the ends of Python's range a conversion to the
  viewer's time zone overflows; every date-time the API accepts is inside this range.
- `visible`: a title or a name must keep a character once whitespace and invisible characters
  (Unicode format characters such as ZERO WIDTH SPACE U+200B and the bidi overrides
  U+202A-U+202E / U+2066-U+2069, the Hangul fillers, BRAILLE PATTERN BLANK) are removed; NUL and
  other control characters are refused for all text at the body boundary (api/request_body.py).
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError, fields

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
RANGE_MESSAGE = "Must be between 2000-01-01 and 2100-12-31 (UTC)."
NOT_VISIBLE = "Must not be blank."

# Characters that render as nothing although Unicode does not class them as format (Cf) or
# whitespace: the Hangul fillers and BRAILLE PATTERN BLANK.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


class Moment(fields.AwareDateTime):
    """An aware date-time between EARLIEST and LATEST; naive values and others are refused.

    Loads to an aware datetime (its offset kept); the error names the range.
    """

    default_error_messages = {"range": RANGE_MESSAGE}

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"description": f"ISO 8601 with an offset; {RANGE_MESSAGE[5:-1].lower()}."}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            inside = EARLIEST <= moment.astimezone(UTC) <= LATEST
        except (OverflowError, ValueError):  # year 1 with a positive offset, say
            inside = False
        if not inside:
            raise self.make_error("range")
        return moment


def is_invisible(char: str) -> bool:
    """True for whitespace, format characters (Cf) and the blank letters above."""
    return char.isspace() or char in _BLANK_LETTERS or unicodedata.category(char) == "Cf"


def visible(value: str) -> None:
    """Validator: refuse text with nothing to show once invisible characters are removed."""
    if all(is_invisible(char) for char in value):
        raise ValidationError(NOT_VISIBLE)
