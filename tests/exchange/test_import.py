"""CSV import into a project: the dry run, the one-transaction real run, per-row errors, the
file-level refusals, and the round trip of an export."""

from __future__ import annotations

import io

import sqlalchemy as sa

from api.activity.models import Activity
from api.extensions import db
from api.projects.models import Label, Project
from api.tasks.models import Priority, Task, TaskStatus

HEADER = "title,description,status,priority,deadline,assignees,labels\n"


def _post(client, auth, user, key: str, text: str | bytes, **options: str):
    data = text.encode() if isinstance(text, str) else text
    query = "&".join(f"{k}={v}" for k, v in options.items())
    return client.post(
        f"/api/v1/projects/{key}/import" + (f"?{query}" if query else ""),
        data={"file": (io.BytesIO(data), "tasks.csv", "text/csv")},
        content_type="multipart/form-data",
        headers=auth.headers(user),
    )


def _tasks(key: str) -> list[Task]:
    project = db.session.scalar(sa.select(Project).where(Project.key == key))
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Task).where(Task.project_id == project.id).order_by(Task.number)
        )
    )


def _world(make):
    lead = make.user(username="lena")
    ana, ben = make.user(username="ana"), make.user(username="ben")
    ops = make.project("OPS", members={lead: "lead", ana: "member", ben: "member"})
    make.label(ops, "bug")
    ops.people = {"lead": lead, "ana": ana, "ben": ben}
    return lead, ops


GOOD = (
    HEADER
    + 'Fix login,"Two\nlines",in_progress,high,2026-12-03T17:30:00Z,ana; ben,bug; ui\n'
    + "Write docs,,,low,2026-12-04,,\n"
    + "Ship it,,completed,,,lena,\n"
)


def test_dry_run_reports_and_writes_nothing(client, auth, make) -> None:
    lead, _ = _world(make)

    response = _post(client, auth, lead, "OPS", GOOD)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["dry_run"] is True
    assert (body["rows"], body["valid"], body["created"]) == (3, 3, 0)
    assert body["errors"] == []
    assert _tasks("OPS") == []


def test_real_run_writes_every_row(client, auth, make) -> None:
    lead, ops = _world(make)

    response = _post(client, auth, lead, "OPS", GOOD, dry_run="false")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["refs"] == ["OPS-1", "OPS-2", "OPS-3"]
    first, second, third = _tasks("OPS")
    assert first.title == "Fix login" and first.description == "Two\nlines"
    assert first.status == TaskStatus.IN_PROGRESS and first.priority == Priority.HIGH
    assert first.deadline.isoformat() == "2026-12-03T17:30:00+00:00"
    assert [u.username for u in first.assignees] == ["ana", "ben"]
    assert sorted(label.name for label in first.labels) == ["bug", "ui"]
    assert second.deadline.isoformat() == "2026-12-04T00:00:00+00:00"
    assert second.status == TaskStatus.PENDING and second.assignees == []
    assert third.status == TaskStatus.COMPLETED and third.completed_at is not None
    assert db.session.scalar(sa.select(Project.next_number).where(Project.id == ops.id)) == 4
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Label).where(Label.project_id == ops.id)
        )
        == 2
    )
    created = db.session.scalar(
        sa.select(sa.func.count()).select_from(Activity).where(Activity.action == "created")
    )
    assert created == 3


MALFORMED = (
    HEADER
    + "".join(f"Task {n},,,,,,\n" for n in range(2, 7))
    + "Bad date,,,,2026-13-45,,\n"  # line 7
    + "Fine,,,,,,\n"  # line 8
    + "Unknown person,,,,,nobody,\n"  # line 9
)


def test_a_malformed_file_writes_nothing_and_names_both_lines(client, auth, make) -> None:
    lead, _ = _world(make)

    dry = _post(client, auth, lead, "OPS", MALFORMED).get_json()
    real = _post(client, auth, lead, "OPS", MALFORMED, dry_run="false")

    assert [(e["line"], e["column"]) for e in dry["errors"]] == [(7, "deadline"), (9, "assignees")]
    assert "nobody" in dry["errors"][1]["message"]
    assert real.status_code == 422
    body = real.get_json()
    assert [(e["line"], e["column"]) for e in body["errors"]["rows"]] == [
        (7, "deadline"),
        (9, "assignees"),
    ]
    assert "Nothing was imported" in body["message"]
    assert _tasks("OPS") == []


def test_skip_invalid_writes_the_good_rows(client, auth, make) -> None:
    lead, _ = _world(make)

    response = _post(client, auth, lead, "OPS", MALFORMED, dry_run="false", skip_invalid="true")

    body = response.get_json()
    assert response.status_code == 200
    assert (body["created"], body["skipped"]) == (6, 2)
    assert [t.title for t in _tasks("OPS")] == [*(f"Task {n}" for n in range(2, 7)), "Fine"]


def test_export_of_a_view_reimports_as_the_same_tasks(client, auth, make) -> None:
    lead, ops = _world(make)
    people = ops.people
    assert _post(client, auth, lead, "OPS", GOOD, dry_run="false").status_code == 200
    make.project("NEW", members={lead: "lead", people["ana"]: "member", people["ben"]: "member"})
    view = client.get(
        "/api/v1/tasks/export.csv?project=OPS&status=pending&status=in_progress&sort=created",
        headers=auth.headers(lead),
    )
    exported = view.get_data()

    response = _post(client, auth, lead, "NEW", exported, dry_run="false")

    assert response.status_code == 200, response.get_json()
    fields = ("title", "description", "status", "priority", "deadline")
    originals = [t for t in _tasks("OPS") if t.status != TaskStatus.COMPLETED]
    copies = _tasks("NEW")

    def shape(task: Task) -> tuple:
        return (
            *(getattr(task, f) for f in fields),
            [u.username for u in task.assignees],
            sorted(label.name for label in task.labels),
        )

    assert [shape(t) for t in copies] == [shape(t) for t in originals]
    assert [t.ref for t in copies] == ["NEW-1", "NEW-2"]


def test_formula_guard_round_trips(client, auth, make) -> None:
    lead, _ = _world(make)
    text = "title,description\n\"'=SUM(A1)\",'-2\n"

    assert _post(client, auth, lead, "OPS", text, dry_run="false").status_code == 200

    (task,) = _tasks("OPS")
    assert (task.title, task.description) == ("=SUM(A1)", "-2")


def test_semicolon_files_are_read(client, auth, make) -> None:
    lead, _ = _world(make)

    response = _post(client, auth, lead, "OPS", "title;priority\nOne;high\nTwo;low\n")

    assert response.get_json()["valid"] == 2


def _refusal(response) -> str:
    assert response.status_code == 422, response.get_data(as_text=True)
    return str(response.get_json()["errors"])


def test_file_level_refusals_answer_422(client, auth, make) -> None:
    lead, _ = _world(make)
    cases = {
        "no title column": ("description,status\nx,pending\n", "no title column"),
        "unknown column": ("title,owner\nx,y\n", "Unknown column owner"),
        "not utf-8": ("title\nCaf\xe9\n".encode("latin-1"), "not UTF-8"),
        "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
        "empty": ("", "empty"),
        "repeated column": ("title,title\na,b\n", "twice"),
        "too many rows": ("title\n" + "x\n" * 5001, "At most 5,000 rows"),
    }
    for name, (text, words) in cases.items():
        message = _refusal(_post(client, auth, lead, "OPS", text, dry_run="false"))
        assert words in message, (name, message)
    assert _tasks("OPS") == []


def test_a_file_too_large_answers_422(client, auth, make) -> None:
    lead, _ = _world(make)
    text = "title,description\n" + ("x," + "d" * 1000 + "\n") * 2100  # about 2.1 MB

    assert "larger than 2 MB" in _refusal(_post(client, auth, lead, "OPS", text))


def test_no_file_answers_422(client, auth, make) -> None:
    lead, _ = _world(make)
    response = client.post(
        "/api/v1/projects/OPS/import", json={"title": "x"}, headers=auth.headers(lead)
    )
    assert response.status_code == 422
    assert "file" in response.get_json()["errors"]["files"]


def test_row_errors_name_line_and_column(client, auth, make) -> None:
    lead, _ = _world(make)
    text = (
        HEADER
        + ",,,,,,\n"  # blank: skipped
        + " ,,,,,,x\n"  # line 3: no title
        + "T,,done,huge,2026-12-01T10:00,,\n"  # line 4: status, priority, naive time
        + "T,,,,,,,extra\n"  # line 5: too many cells
    )
    errors = _post(client, auth, lead, "OPS", text).get_json()["errors"]

    assert [(e["line"], e["column"]) for e in errors] == [
        (3, "title"),
        (4, "deadline"),
        (4, "priority"),
        (4, "status"),
        (5, None),
    ]


def test_only_leads_and_admins_import(client, auth, make) -> None:
    lead, ops = _world(make)
    outsider, admin = make.user(), make.user(role="admin")

    assert _post(client, auth, ops.people["ana"], "OPS", GOOD).status_code == 403
    assert _post(client, auth, outsider, "OPS", GOOD).status_code == 404
    assert _post(client, auth, admin, "OPS", GOOD, dry_run="false").status_code == 200
    assert len(_tasks("OPS")) == 3
