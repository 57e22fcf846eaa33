"""Every list shape of the task API is served by an index on MariaDB: EXPLAIN each statement a
list request runs and fail on a full scan of `tasks` or a filesort over it (migration
0008_scale; api/tasks/queries.py `_sorts`). MySQL / MariaDB only: SQLite's planner differs.

Sorting the few rows of one page (the outer query's derived table) is allowed; so is sorting
the matches of a full-text search by relevance (the FULLTEXT index hands them over unordered).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.extensions import db

GROW = """
INSERT INTO tasks (title, description, status, priority, deadline, assignee_id, created_by_id,
                   created_at, updated_at, completed_at, version, project_id)
SELECT CONCAT(title, ' ', id), description,
       ELT(1 + (id * 7) % 3, 'pending', 'in_progress', 'completed'),
       ELT(1 + (id * 11) % 4, 'low', 'normal', 'high', 'urgent'),
       IF(id % 5 = 0, NULL, created_at + INTERVAL (id % 40) - 20 DAY),
       IF(id % 10 = 0, NULL, :first + (id % :people)), created_by_id,
       created_at - INTERVAL (id * 7919) % 129600 MINUTE, updated_at, NULL, 1,
       IF(id % 3 = 0, :ops, :gen)
FROM tasks ORDER BY id LIMIT :take
"""
# Every task's first assignee, a second one for a quarter of them, a label on some OPS tasks.
ASSIGN = [
    "INSERT IGNORE INTO task_assignees (task_id, user_id, position) "
    "SELECT id, assignee_id, 0 FROM tasks WHERE assignee_id IS NOT NULL",
    "INSERT IGNORE INTO task_assignees (task_id, user_id, position) "
    "SELECT id, :first + ((id + 7) % :people), 1 FROM tasks WHERE id % 4 = 0",
    "INSERT IGNORE INTO task_labels (task_id, label_id) "
    "SELECT id, :bug FROM tasks WHERE project_id = :ops AND id % 7 = 0",
]


@pytest.fixture
def grown(database_url, make, auth):
    if not database_url.startswith("mysql"):
        pytest.skip("EXPLAIN shapes are MariaDB's; SQLite plans differently")
    people = [make.user(role="employee") for _ in range(20)]
    ops = make.project("OPS", members={p: "member" for p in people[:10]})
    bug = make.label(ops, "bug")
    seed = make.task(
        title="Seed invoice", description="The invoice of the month.", assignee=people[0]
    )
    values = {"first": people[0].id, "people": 20, "ops": ops.id, "gen": seed.project_id}
    n = 1
    while n < 8192:
        db.session.execute(sa.text(GROW), {**values, "take": n})
        db.session.commit()
        n *= 2
    for statement in ASSIGN:
        db.session.execute(sa.text(statement), {**values, "bug": bug.id})
    db.session.commit()
    for table in ("tasks", "task_assignees", "task_labels"):
        db.session.execute(sa.text(f"ANALYZE TABLE {table}"))
    db.session.commit()
    return people


def _plans(client, headers, path):
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        response = client.get(path, headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert response.status_code == 200, response.get_json()
    plans = []
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in seen:
            if "FROM tasks" not in statement:
                continue
            cursor.execute("EXPLAIN " + statement, parameters)
            names = [d[0] for d in cursor.description]
            plans += [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        raw.close()
    return plans


SHAPES = [
    "",
    "?sort=created",
    "?sort=deadline",
    "?sort=-deadline",
    "?sort=priority",
    "?sort=-priority",
    "?status=pending",
    "?status=pending&sort=deadline",
    "?status=in_progress&sort=-deadline",
    "?priority=high",
    "?overdue=true",
    "?unassigned=true",
    "?assignee_id={assignee}",
    "?assignee_id={assignee}&sort=deadline",
    "?q=invoice",
    # Not "?page=3": an OFFSET page (the old clients' path, capped at 10,000 rows) is planned
    # either way at this table size, an ordered index walk or an index scan and a filesort of
    # the few thousand visible rows; cursors are the path this test holds to the index.
    # the project model (issue 14): one project, its sorts and filters; labels; any assignee
    "?project=OPS",
    "?project=OPS&sort=deadline",
    "?project=OPS&sort=-priority",
    "?project=OPS&status=pending",
    "?project=OPS&label=bug",
    "?label=bug",
    "?assignee_id={assignee}&project=OPS",
]


@pytest.mark.parametrize("shape", SHAPES)
def test_list_shapes_scan_no_table_and_sort_no_table(client, auth, grown, shape):
    h = auth.as_role("manager")[1]
    plans = _plans(client, h, "/api/v1/tasks" + shape.format(assignee=grown[3].id))
    bad = [
        p
        for p in plans
        if p["table"] == "tasks"
        and (p["type"] == "ALL" or ("filesort" in (p["Extra"] or "") and p["type"] != "fulltext"))
    ]
    assert plans and not bad, bad


def test_an_employees_own_list_is_served_by_an_index(client, auth, grown):
    employee = grown[5]
    h = auth.headers(employee)
    for path in (
        "/api/v1/tasks/mine",
        "/api/v1/tasks?sort=deadline",
        "/api/v1/tasks",
        "/api/v1/tasks?project=OPS",
    ):
        plans = _plans(client, h, path)
        bad = [
            p
            for p in plans
            if p["table"] == "tasks" and (p["type"] == "ALL" or "filesort" in (p["Extra"] or ""))
        ]
        assert not bad, (path, bad)
