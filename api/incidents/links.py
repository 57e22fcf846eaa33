"""The acknowledge link of the incident emails: signed, bound to its recipient, expiring, and
spent once the incident is acknowledged.

A link is `/incidents/<public_id>/acknowledge?token=…`. The token is an itsdangerous signature
(HMAC with SECRET_KEY and the salt ACK_SALT, so that no other signed value of taskdesk passes
for one) over the incident's public id and the recipient's user id, with its signing time; it
expires INCIDENT_ACK_LINK_TTL seconds after it was made. It acknowledges the incident as its
recipient only, and only while nobody has: acknowledging (the first move to investigating,
`acknowledged_at`) never happens twice, so the first use spends every link of the incident.

Opening the link (GET) never changes anything: the page shows what a confirmation would do and
asks for it (POST with the CSRF token). `check` answers both; `service.acknowledge_by_link`
confirms through `service.update`, exactly as the incident page's "Start investigating".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from api.errors import Conflict, Forbidden, Unprocessable
from api.extensions import db
from api.incidents.models import Incident, IncidentStatus
from api.incidents.queries import get_visible
from api.users.models import User

ACK_SALT = "taskdesk-incident-acknowledge"
LINK_INVALID = "This acknowledge link is not valid: open the incident from the email again."
LINK_EXPIRED = "This acknowledge link has expired: open the incident to acknowledge it there."


def _serializer() -> Any:
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=ACK_SALT)


def make_token(public_id: str, user_id: int) -> str:
    """A token that lets user `user_id` acknowledge incident `public_id` (see the module)."""
    return _serializer().dumps({"i": public_id, "u": user_id})


def acknowledge_path(public_id: str, user_id: int) -> str:
    """The path (under APP_BASE_URL) of the acknowledge link of `user_id` for `public_id`."""
    return f"/incidents/{public_id}/acknowledge?token={make_token(public_id, user_id)}"


def recipient_of(token: str, public_id: str) -> int:
    """The user id a token was made for. Raises Unprocessable naming `token` when it is forged,
    garbled, made for another incident, or older than INCIDENT_ACK_LINK_TTL seconds."""
    from itsdangerous import BadData, SignatureExpired

    try:
        data = _serializer().loads(token, max_age=current_app.config["INCIDENT_ACK_LINK_TTL"])
        user_id, named = int(data["u"]), str(data["i"])
    except SignatureExpired as exc:
        raise Unprocessable.field("token", LINK_EXPIRED) from exc
    except (BadData, KeyError, TypeError, ValueError) as exc:
        raise Unprocessable.field("token", LINK_INVALID) from exc
    if named != public_id.lower():
        raise Unprocessable.field("token", LINK_INVALID)
    return user_id


@dataclass(frozen=True)
class LinkCheck:
    """What confirming a link would do: acknowledge `incident` as `recipient`."""

    incident: Incident
    recipient: User


def check(*, public_id: str, token: str, actor: User) -> LinkCheck:
    """Whether `actor` may confirm this link now; changes nothing.

    Raises Unprocessable (naming `token`: invalid, expired, another incident's; or naming
    `public_id`: not a UUID), NotFound when `actor` may not see the incident, Forbidden
    when the link was sent to someone else (the message names them: sign in as them),
    Conflict when the incident was already acknowledged (the link is spent).
    """
    user_id = recipient_of(token, public_id)
    recipient = db.session.get(User, user_id)
    if recipient is None:
        raise Unprocessable.field("token", LINK_INVALID)
    if recipient.id != actor.id:
        raise Forbidden(
            f"This link was sent to {recipient.username}: sign in as {recipient.username}"
            " to acknowledge the incident with it."
        )
    incident = get_visible(public_id, actor)
    if incident.status != IncidentStatus.REPORTED or incident.acknowledged_at is not None:
        raise Conflict(
            "The incident was already acknowledged; the link is spent.",
            errors={"json": {"token": ["The incident was already acknowledged."]}},
        )
    return LinkCheck(incident=incident, recipient=recipient)
