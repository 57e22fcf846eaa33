"""CSV export of the task and incident lists: filters, visibility, cells, streaming."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from api.tasks.models import Priority, TaskStatus
from tests.incidents import factories as incidents

EXPORT = "/api/v1/tasks/export.csv"


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert response.mimetype_params.get("charset") == "utf-8"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


def test_export_has_the_header_and_the_list_filters(client, auth, make) -> None:
    lead = make.user(role="employee", username="lena")
    ops = make.project("OPS", members={lead: "lead"})
    bug = make.label(ops, "bug")
    make.task(
        project=ops,
        title="Fix the login",
        priority=Priority.HIGH,
        deadline=datetime(2026, 12, 3, 17, 30, tzinfo=UTC),
        assignee=lead,
        labels=[bug],
    )
    make.task(project=ops, title="Write docs", priority=Priority.LOW)

    response = client.get(f"{EXPORT}?priority=high", headers=auth.headers(lead))

    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == (
        "ref,project,title,description,status,priority,deadline,assignees,labels,"
        "created_at,completed_at"
    )
    rows = _rows(response)
    assert [r["title"] for r in rows] == ["Fix the login"]
    row = rows[0]
    assert row["ref"] == "OPS-1" and row["project"] == "OPS"
    assert row["deadline"] == "2026-12-03T17:30:00Z"
    assert row["assignees"] == "lena" and row["labels"] == "bug"
    assert row["status"] == "pending" and row["priority"] == "high"
    assert row["created_at"].endswith("Z")
    assert "attachment" in response.headers["Content-Disposition"]


def test_export_shows_only_what_the_caller_sees(client, auth, make) -> None:
    member, outsider = make.user(), make.user()
    mine = make.project("MINE", members={member: "member"})
    theirs = make.project("THEM", members={outsider: "lead"})
    make.task(project=mine, title="Visible")
    make.task(project=theirs, title="Hidden")

    rows = _rows(client.get(EXPORT, headers=auth.headers(member)))

    assert [r["title"] for r in rows] == ["Visible"]


def test_export_reads_past_one_page(client, auth, make) -> None:
    lead = make.user()
    ops = make.project("OPS", members={lead: "lead"})
    for n in range(105):
        make.task(project=ops, title=f"Task {n:03}")

    rows = _rows(client.get(f"{EXPORT}?sort=created", headers=auth.headers(lead)))

    assert [r["title"] for r in rows] == [f"Task {n:03}" for n in range(105)]


def test_formula_cells_are_guarded(client, auth, make) -> None:
    lead = make.user()
    ops = make.project("OPS", members={lead: "lead"})
    make.task(project=ops, title='=HYPERLINK("http://x")', description="+1\n-2")
    make.task(project=ops, title="@SUM(A1)", description="\tcmd")

    rows = _rows(client.get(f"{EXPORT}?sort=created", headers=auth.headers(lead)))

    assert [r["title"] for r in rows] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]
    assert [r["description"] for r in rows] == ["'+1\n-2", "'\tcmd"]


def test_bad_filters_answer_422_before_any_row(client, auth, make) -> None:
    user = make.user()
    bad = client.get(
        f"{EXPORT}?deadline_from=2026-12-02T00:00:00Z&deadline_to=2026-12-01T00:00:00Z",
        headers=auth.headers(user),
    )
    assert bad.status_code == 422
    assert "deadline_to" in str(bad.get_json()["errors"])
    bad_status = client.get(f"{EXPORT}?status=done", headers=auth.headers(user))
    assert bad_status.status_code == 422
    assert "status" in bad_status.get_json()["errors"]["query"]


def test_export_needs_a_token(client) -> None:
    assert client.get(EXPORT).status_code == 401


def test_incident_export_follows_visibility(client, auth, make) -> None:
    reporter, other = make.user(), make.user()
    incidents.incident(reporter=reporter, title="My outage")
    incidents.incident(reporter=other, title="Secret", visibility="restricted")

    response = client.get("/api/v1/incidents/export.csv", headers=auth.headers(reporter))

    rows = _rows(response)
    assert [r["title"] for r in rows] == ["My outage"]
    assert rows[0]["reporter"] == reporter.username
    assert rows[0]["reported_at"].endswith("Z")
    assert list(rows[0])[:3] == ["id", "title", "severity"]


def test_incident_export_scope_all_is_for_managers(client, auth, make) -> None:
    employee, manager = make.user(), make.user(role="manager")
    assert (
        client.get(
            "/api/v1/incidents/export.csv?scope=all", headers=auth.headers(employee)
        ).status_code
        == 403
    )
    assert (
        client.get(
            "/api/v1/incidents/export.csv?scope=all", headers=auth.headers(manager)
        ).status_code
        == 200
    )


def test_completed_status_and_dates_are_exported(client, auth, make) -> None:
    lead = make.user()
    ops = make.project("OPS", members={lead: "lead"})
    make.task(project=ops, status=TaskStatus.COMPLETED)

    rows = _rows(client.get(EXPORT, headers=auth.headers(lead)))

    assert rows[0]["status"] == "completed" and rows[0]["completed_at"].endswith("Z")


def test_the_export_is_streamed_page_by_page(client, auth, make) -> None:
    lead = make.user()
    ops = make.project("OPS", members={lead: "lead"})
    for n in range(3):
        make.task(project=ops, title=f"Task {n}")

    response = client.get(EXPORT, headers=auth.headers(lead), buffered=False)

    assert response.status_code == 200
    assert response.is_streamed
    chunks = list(response.response)
    assert chunks[0].startswith(b"ref,project,title,")  # the header goes out on its own
    assert len(chunks) == 2 and chunks[1].count(b"\r\n") == 3
    response.close()
