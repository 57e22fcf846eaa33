"""Mail backends: `ses` (boto3 sesv2), `console` (the local default) and `smtp` (standard library).

A backend's `send(message)` returns the provider's message id or raises one of:
- `DeferSend`: the provider asked us to slow down (throttling, daily quota) or could not be
  reached at all; the row is retried later without spending one of its attempts;
- `TransientSendError`: the attempt failed and may succeed later; it counts as an attempt;
- `PermanentSendError`: the provider refused this message; retrying cannot help.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from flask import Flask

log = logging.getLogger(__name__)

OUTBOX_HEADER = "X-Taskdesk-Outbox-Id"


@dataclass(frozen=True)
class Message:
    """One email ready to go: header values are single-line (checked by `check_headers`)."""

    outbox_id: int
    kind: str
    sender: str
    recipient: str
    subject: str
    text: str
    html: str


class SendError(Exception):
    """Base of the errors a backend raises; `str(error)` is safe to store as last_error."""


class DeferSend(SendError):
    """Try again later without counting an attempt; `retry_after` seconds when the cause says."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientSendError(SendError):
    """The attempt failed; it counts towards OUTBOX_MAX_ATTEMPTS."""


class PermanentSendError(SendError):
    """The provider refused this message for good; the row goes straight to `dead`."""


def check_headers(*values: str) -> None:
    """Raise PermanentSendError if a header value holds CR or LF (OWASP ASVS 5.0 1.3.11)."""
    for value in values:
        if "\r" in value or "\n" in value:
            raise PermanentSendError("a header value contains a line break")


class Backend(Protocol):
    name: str

    def send(self, message: Message) -> str: ...

    def max_send_rate(self) -> float | None: ...


class ConsoleBackend:
    """Logs each email's envelope; the outbox row is the record.

    With `show_bodies` (MAIL_SHOW_BODIES: development only) the text part follows the envelope
    in the same log record, links included, so a reset link can be followed from the terminal.
    """

    name = "console"
    show_bodies = False

    def __init__(self, *, show_bodies: bool = False) -> None:
        self.show_bodies = show_bodies

    def send(self, message: Message) -> str:
        check_headers(message.sender, message.recipient, message.subject)
        envelope = "email (console) outbox_id=%s kind=%s to=%s subject=%r"
        args: tuple = (message.outbox_id, message.kind, message.recipient, message.subject)
        if self.show_bodies:
            envelope += "\n----- text part -----\n%s\n----- end of email %s -----"
            args = (*args, message.text.rstrip("\n"), message.outbox_id)
        log.info(envelope, *args)
        return f"console-{message.outbox_id}"

    def max_send_rate(self) -> float | None:
        return None


# SES error codes (SESv2 API reference, "Errors"; botocore's throttling codes).
THROTTLING_CODES = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestThrottled"}
)
QUOTA_CODES = frozenset({"LimitExceededException", "SendingPausedException"})
PERMANENT_CODES = frozenset(
    {
        "MessageRejected",
        "BadRequestException",
        "MailFromDomainNotVerifiedException",
        "NotFoundException",
        "AccountSuspendedException",
        "InvalidParameterValue",
        # IAM refused the send. In the SES sandbox the recipient identity is authorised too, so
        # a recipient outside the sandbox statement (infra/email.yml) is refused on every try:
        # retrying would only burn the attempts. Fix the policy, then requeue the dead rows.
        "AccessDeniedException",
        "AccessDenied",
    }
)


# (connect, read) timeouts in seconds of the SES client: interactive (after a request), job.
# One send lasts at most about connect + read: far below OUTBOX_LEASE_SECONDS.
CLIENT_TIMEOUTS = {True: (2, 5), False: (5, 15)}


class SesBackend:
    """Amazon SES through boto3's `sesv2` client: exactly one HTTP attempt per `send`.

    botocore's own retries are off (`total_max_attempts=1`; note that botocore's client-config
    `max_attempts` counts retries *after* the first request, so `max_attempts=3` would mean four
    sends). A retried SendEmail whose answer was lost would deliver the message again inside one
    call; retries are the outbox's job instead, with backoff and the attempt count. `interactive`
    clients (used right after a request commits) have short timeouts, job clients longer ones
    (CLIENT_TIMEOUTS). The outbox id travels as an email tag and a header so that a duplicate
    delivery would be traceable in SES events.
    """

    name = "ses"

    def __init__(self, app: Flask, *, interactive: bool) -> None:
        self.region = app.config["AWS_REGION"]
        self.endpoint_url = app.config["SES_ENDPOINT_URL"] or None
        self.configuration_set = app.config["SES_CONFIGURATION_SET"] or None
        self.interactive = interactive
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            import boto3  # imported only when SES sends: ~0.3 s of cold start
            from botocore.config import Config

            connect, read = CLIENT_TIMEOUTS[self.interactive]
            config = Config(
                retries={"mode": "standard", "total_max_attempts": 1},
                connect_timeout=connect,
                read_timeout=read,
            )
            self._client = boto3.client(
                "sesv2", region_name=self.region, endpoint_url=self.endpoint_url, config=config
            )
        return self._client

    def send(self, message: Message) -> str:
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ReadTimeoutError,
        )

        check_headers(message.sender, message.recipient, message.subject)
        params: dict[str, Any] = {
            "FromEmailAddress": message.sender,
            "Destination": {"ToAddresses": [message.recipient]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": message.text, "Charset": "UTF-8"},
                        "Html": {"Data": message.html, "Charset": "UTF-8"},
                    },
                    "Headers": [{"Name": OUTBOX_HEADER, "Value": str(message.outbox_id)}],
                }
            },
            "EmailTags": [
                {"Name": "outbox_id", "Value": str(message.outbox_id)},
                {"Name": "kind", "Value": message.kind},
            ],
        }
        if self.configuration_set:
            params["ConfigurationSetName"] = self.configuration_set
        try:
            response = self.client().send_email(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, text = error.get("Code", ""), error.get("Message", "")
            if code in THROTTLING_CODES or "rate exceeded" in text.lower():
                raise DeferSend(f"SES throttled: {code}") from exc
            if code in QUOTA_CODES or "quota" in text.lower():
                raise DeferSend(f"SES quota: {code} {text}"[:500], retry_after=3600) from exc
            if code in PERMANENT_CODES:
                raise PermanentSendError(f"SES refused: {code} {text}"[:500]) from exc
            raise TransientSendError(f"SES error: {code} {text}"[:500]) from exc
        except (EndpointConnectionError, ConnectTimeoutError) as exc:
            # The request never reached SES: nothing can have been sent.
            raise DeferSend(f"SES unreachable: {type(exc).__name__}") from exc
        except (ReadTimeoutError, ConnectionClosedError) as exc:
            # The request may have reached SES: a retry may deliver a second copy (one at most).
            raise TransientSendError(f"SES did not answer: {type(exc).__name__}") from exc
        return str(response["MessageId"])

    def max_send_rate(self) -> float | None:
        """The account's maximum send rate (emails per second): sesv2 GetAccount.

        Falls back to SES v1 GetSendQuota where GetAccount is not available (moto); None when
        neither answers, and the caller then does not pace.
        """
        try:
            return float(self.client().get_account()["SendQuota"]["MaxSendRate"])
        except Exception:  # any failure: fall back, pacing is an optimisation
            log.info("sesv2 GetAccount unavailable; trying SES v1 GetSendQuota")
        try:
            import boto3

            v1 = boto3.client("ses", region_name=self.region, endpoint_url=self.endpoint_url)
            return float(v1.get_send_quota()["MaxSendRate"])
        except Exception:  # pacing is an optimisation; sending goes on without it
            log.warning("could not read the SES send rate; sending unpaced")
            return None


class SmtpBackend:
    """Plain SMTP with STARTTLS (standard library), one connection per message."""

    name = "smtp"

    def __init__(self, app: Flask) -> None:
        self.host = app.config["SMTP_HOST"]
        self.port = int(app.config["SMTP_PORT"])
        self.username = app.config["SMTP_USERNAME"]
        self.password = app.config["SMTP_PASSWORD"]
        self.starttls = bool(app.config["SMTP_STARTTLS"])
        self.timeout = int(app.config["SMTP_TIMEOUT"])

    def send(self, message: Message) -> str:
        check_headers(message.sender, message.recipient, message.subject)
        email = EmailMessage()
        email["From"] = message.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email[OUTBOX_HEADER] = str(message.outbox_id)
        message_id = make_msgid(domain=message.sender.rpartition("@")[2].strip(">") or None)
        email["Message-ID"] = message_id
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(email)
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code}"
            if 400 <= exc.smtp_code < 500:
                raise DeferSend(text) from exc
            raise PermanentSendError(text) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientSendError(f"SMTP: {type(exc).__name__}") from exc
        return message_id

    def max_send_rate(self) -> float | None:
        return None


def get_backend(app: Flask, *, interactive: bool = False) -> Backend:
    """The backend named by MAIL_BACKEND, cached on the app (one boto3 client per container).

    Raises ValueError for an unknown name.
    """
    cache = app.extensions.setdefault("mail_backends", {})
    name = app.config["MAIL_BACKEND"]
    show_bodies = bool(app.config.get("MAIL_SHOW_BODIES"))
    key = (name, interactive, show_bodies)
    if key not in cache:
        if name == "console":
            cache[key] = ConsoleBackend(show_bodies=show_bodies)
        elif name == "ses":
            cache[key] = SesBackend(app, interactive=interactive)
        elif name == "smtp":
            cache[key] = SmtpBackend(app)
        else:
            raise ValueError(f"MAIL_BACKEND must be console, ses or smtp, got {name!r}")
    return cache[key]
