"""Calendar feed schemas."""

from __future__ import annotations

from marshmallow import Schema, fields


class CalendarTokenRead(Schema):
    """A new feed URL: shown once, since only a digest of its token is kept."""

    url = fields.String(metadata={"description": "The feed URL (iCalendar); keep it secret."})
    token = fields.String(metadata={"description": "The token inside `url` (43 characters)."})
    created_at = fields.DateTime()
