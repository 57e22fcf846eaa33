"""POST /api/v1/reports/email: the summary report, emailed to the caller now."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.guards import current, login_required
from api.permissions import Capability
from api.reports import service

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Reports")


class ReportQueued(Schema):
    message = fields.String()
    recipient = fields.String()


@blp.post("/email")
@login_required(Capability.STATS_READ)
@blp.response(202, ReportQueued)
@blp.alt_response(429, description="More than RATELIMIT_REPORT_EMAIL requests (5 per hour)")
def email_report():
    """Email the summary report to yourself (managers and admins; 5 an hour by default)."""
    return service.email_now(actor=current())
