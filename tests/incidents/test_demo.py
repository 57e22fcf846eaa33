"""Demo data: incidents in every status and visibility, with responses and timelines."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from api.activity.models import Activity, EntityType
from api.demo import seed
from api.extensions import db
from api.incidents.models import Incident, IncidentResponse, IncidentStatus, Visibility


def test_seed_covers_every_status_and_visibility(app):
    seed(users=6, tasks=2)

    incidents = list(db.session.scalars(sa.select(Incident)))
    kinds = Counter((i.status, i.visibility) for i in incidents)
    assert set(kinds) == {(s, v) for s in IncidentStatus for v in Visibility}
    responses = Counter(db.session.scalars(sa.select(IncidentResponse.incident_id)))
    for incident in incidents:
        assert responses[incident.id] >= 1
        assert (incident.acknowledged_at is None) == (incident.status == IncidentStatus.REPORTED)
        assert (incident.resolved_at is None) != (incident.status == IncidentStatus.RESOLVED)
        if incident.acknowledged_at:
            assert incident.reported_at <= incident.acknowledged_at
        if incident.resolved_at:
            assert incident.acknowledged_at <= incident.resolved_at
        timeline = list(
            db.session.scalars(
                sa.select(Activity)
                .where(
                    Activity.entity_type == EntityType.INCIDENT,
                    Activity.entity_id == incident.id,
                )
                .order_by(Activity.id)
            )
        )
        assert timeline[0].action == "reported"
        assert [a.created_at for a in timeline] == sorted(a.created_at for a in timeline)
        assert Counter(a.action for a in timeline)["responded"] == responses[incident.id]
