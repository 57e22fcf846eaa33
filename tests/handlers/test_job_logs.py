"""A job's "done" line carries its counts as fields, which the outbox alarm's metric filter reads
(serverless.yml OutboxDeadMetricFilter: `$.job = "outbox" && $.result.dead > 0`)."""

from __future__ import annotations

import json
import logging

import pytest

from api.logs import JsonFormatter
from handlers import jobs as jobs_handler


@pytest.fixture
def lambda_app(app, monkeypatch):
    monkeypatch.setattr(jobs_handler, "_app", app)
    monkeypatch.setenv("TASKDESK_SSM_PATH", "/taskdesk/prod/")
    return app


def test_the_outbox_done_line_has_the_fields_the_metric_filter_reads(lambda_app, caplog):
    with caplog.at_level(logging.INFO, logger="handlers.jobs"):
        jobs_handler.outbox({"now": "2026-11-23T10:00:00Z"}, None)

    (record,) = [r for r in caplog.records if r.getMessage().startswith("job outbox done")]
    line = json.loads(JsonFormatter().format(record))
    assert line["job"] == "outbox" and line["stage"] == "prod"
    assert set(line["result"]) >= {"sent", "dead", "failed"}
