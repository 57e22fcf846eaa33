"""An SES send that IAM refuses (the sandbox refusing a recipient identity) is permanent."""

from __future__ import annotations

from botocore.exceptions import ClientError

from api.extensions import db
from api.notifications import delivery, service
from api.notifications.backends import SesBackend
from api.notifications.models import EmailKind, OutboxStatus
from tests.notifications.conftest import outbox_rows


def test_an_authorisation_failure_is_dead_after_one_attempt(app, ses, monkeypatch):
    service.queue(
        kind=EmailKind.PASSWORD_RESET,
        to="ana@example.com",
        dedupe_key="sandbox-refused",
        context={"reset_url": "http://x/y", "ttl_minutes": 30},
    )
    db.session.commit()
    backend = SesBackend(app, interactive=False)
    calls = []

    def send_email(**params):
        calls.append(params)
        raise ClientError(
            {
                "Error": {
                    "Code": "AccessDeniedException",
                    "Message": "not authorized to perform ses:SendEmail on identity/ana@example.com",
                }
            },
            "SendEmail",
        )

    monkeypatch.setattr(backend.client(), "send_email", send_email)
    result = delivery.run_outbox(backend=backend)

    (row,) = outbox_rows()
    assert result.dead == 1 and len(calls) == 1
    assert row.status == OutboxStatus.DEAD and row.attempts == 1
    assert "AccessDeniedException" in row.last_error
