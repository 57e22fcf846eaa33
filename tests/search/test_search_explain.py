"""Each source of the one search reads its table through the FULLTEXT index on MariaDB (never a
scan with LIKE), for a member of some projects and for an administrator (api/search/service.py
`_sources`). MySQL / MariaDB only: SQLite's FTS5 is a separate table with its own plan."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api import fulltext
from api.comments.models import TaskComment
from api.extensions import db
from api.search import service
from tests.incidents import factories as incidents


@pytest.fixture
def people(database_url, make):
    if not database_url.startswith("mysql"):
        pytest.skip("EXPLAIN plans are MariaDB's; SQLite plans differently")
    member = make.user(role="employee")
    admin = make.user(role="admin")
    ops = make.project("OPS", members={member: "member"})
    for n in range(40):
        task = make.task(title=f"Invoice {n} for March", project=ops, created_by=admin)
        db.session.add(TaskComment(task_id=task.id, author_id=admin.id, body=f"invoice {n}"))
        incident = incidents.incident(reporter=member, title=f"Invoice run {n} failed")
        incidents.response(incident, admin, f"Invoice {n} re-sent.")
    db.session.commit()
    for table in fulltext.SEARCHED:
        db.session.execute(sa.text(f"ANALYZE TABLE {table}"))
    db.session.commit()
    return {"member": member, "admin": admin}


def _ranking_plans(actor) -> list[list[dict]]:
    """EXPLAIN of each statement of a search that reads a table by MATCH (the four sources)."""
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        service.search(q="invoice", actor=actor, page=1, page_size=20)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    plans = []
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in seen:
            if "MATCH" not in statement:
                continue
            cursor.execute("EXPLAIN " + statement, parameters)
            names = [d[0] for d in cursor.description]
            plans.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
    finally:
        raw.close()
    return plans


@pytest.mark.parametrize("who", ["member", "admin"])
def test_every_source_reads_the_fulltext_index(people, who):
    plans = _ranking_plans(people[who])
    assert len(plans) == 4
    for table, plan in zip(fulltext.SEARCHED, sorted(plans, key=_order), strict=True):
        uses = [row for row in plan if row["table"] == table]
        assert uses and uses[0]["type"] == "fulltext", (table, plan)
        assert not any("filesort" in (row["Extra"] or "") for row in plan), plan


def _order(plan: list[dict]) -> int:
    """The plans in the order of fulltext.SEARCHED (tasks, comments, incidents, responses)."""
    tables = list(fulltext.SEARCHED)
    return min(tables.index(r["table"]) for r in plan if r["type"] == "fulltext")
