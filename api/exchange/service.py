"""CSV import of tasks into a project: a dry run that lists every row's problems, then the
real run, all rows in one transaction (project.import: the project's leads, administrators).

The file is read by api/exchange/csv_rows.py (columns, cells, deadlines, the 5,000-row cap).
Then each row's assignees must be active employees or managers who are leads or members of the
project (usernames; the same rule as assigning a task), and its labels are the project's,
matched without regard to case; a label the project lacks is created with the default colour.
With any problem nothing is written, unless the caller asks to skip the bad rows. Imported tasks
get the project's next numbers in file order, a "created" activity row each, and no emails or
in-app notifications (a file of thousands of rows would flood the assignees).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from api.activity.models import Activity, EntityType
from api.db import unit_of_work, utcnow
from api.errors import Unprocessable
from api.exchange.csv_rows import ImportRow, RowError, read_rows
from api.extensions import db
from api.permissions import Capability, require
from api.projects import service as projects
from api.projects.models import Label, Project, ProjectMember
from api.tasks.models import Task, TaskAssignee, TaskStatus
from api.tasks.rules import WORKING_ROLES
from api.users.models import Role, User, UserStatus

ASSIGNABLE_ROLES = (Role.EMPLOYEE, Role.MANAGER)


@dataclass
class ImportReport:
    """What an import found and did: `rows` data rows read, `valid` of them without problems,
    `created` tasks written (0 on a dry run), `skipped` bad rows left out, `errors` by line,
    `refs` of the new tasks."""

    project: str
    dry_run: bool
    rows: int
    valid: int
    created: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)


def _people(project_id: int, names: set[str]) -> dict[str, User]:
    """The assignable people of the project among `names`, by lower-cased username."""
    if not names:
        return {}
    found = db.session.scalars(
        sa.select(User)
        .join(ProjectMember, ProjectMember.user_id == User.id)
        .where(
            sa.func.lower(User.username).in_(sorted(names)),
            User.status == UserStatus.ACTIVE,
            User.role.in_(ASSIGNABLE_ROLES),
            ProjectMember.project_id == project_id,
            ProjectMember.role.in_([r.value for r in WORKING_ROLES]),
        )
    )
    return {user.username.lower(): user for user in found}


def _check_people(rows: list[ImportRow], people: dict[str, User], key: str) -> list[RowError]:
    """An error for each row naming someone who may not be assigned in project `key`."""
    errors: list[RowError] = []
    for row in rows:
        unknown = [name for name in row.assignees if name.lower() not in people]
        if unknown:
            errors.append(
                RowError(
                    row.line,
                    "assignees",
                    f"Not an active member of {key} who can be assigned: {', '.join(unknown)}.",
                )
            )
    return errors


def _labels(project: Project, rows: list[ImportRow]) -> dict[str, Label]:
    """The project's labels by case-folded name, with those the rows name and it lacks added."""
    labels = {
        label.name.casefold(): label
        for label in db.session.scalars(sa.select(Label).where(Label.project_id == project.id))
    }
    for row in rows:
        for name in row.labels:
            if name.casefold() not in labels:
                labels[name.casefold()] = Label(project_id=project.id, name=name)
                db.session.add(labels[name.casefold()])
    return labels


def _write(project: Project, rows: list[ImportRow], people: dict[str, User], actor: User) -> list:
    """Add the tasks of `rows` to the session, numbered in file order; returns them."""
    labels = _labels(project, rows)
    db.session.execute(  # every number at once; the row lock holds to the commit (numbering.py)
        sa.update(Project)
        .where(Project.id == project.id)
        .values(next_number=Project.next_number + len(rows))
        .execution_options(synchronize_session=False)
    )
    last = db.session.scalar(sa.select(Project.next_number).where(Project.id == project.id))
    first = int(last) - len(rows)
    now = utcnow()
    tasks = []
    for n, row in enumerate(rows):
        assignees = [people[name.lower()] for name in row.assignees]
        task = Task(
            title=row.title,
            description=row.description,
            status=row.status,
            priority=row.priority,
            deadline=row.deadline,
            project=project,
            number=first + n,
            created_by=actor,
            completed_at=now if row.status == TaskStatus.COMPLETED else None,
            labels=[labels[name.casefold()] for name in row.labels],
        )
        task.assignee_links = [
            TaskAssignee(user_id=user.id, position=i, user=user) for i, user in enumerate(assignees)
        ]
        task.assignee = assignees[0] if assignees else None
        db.session.add(task)
        tasks.append((task, row))
    db.session.flush()
    entries = []
    for task, row in tasks:
        snapshot: dict[str, list[Any]] = {
            "title": [None, task.title],
            "priority": [None, task.priority.value],
            "status": [None, task.status.value],
            "project": [None, project.key],
        }
        if row.assignees:
            snapshot["assignee_ids"] = [None, [people[n.lower()].id for n in row.assignees]]
        if row.labels:
            snapshot["labels"] = [None, [labels[n.casefold()].name for n in row.labels]]
        entries.append(
            {
                "actor_id": actor.id,
                "entity_type": EntityType.TASK,
                "entity_id": task.id,
                "action": "created",
                "changes": snapshot,
                "created_at": now,
            }
        )
    # The rows activity.record_change would add, as one executemany: thousands of ORM objects
    # cost more than the tasks themselves.
    db.session.execute(sa.insert(Activity), entries)
    return [task for task, _ in tasks]


def import_tasks(
    *, key: str, data: bytes | None, actor: User, dry_run: bool = True, skip_invalid: bool = False
) -> ImportReport:
    """Check (and unless `dry_run`, write) the tasks of CSV `data` into project `key`.

    A dry run writes nothing and reports every problem. A real run writes every valid row in one
    transaction; with problems it writes nothing and raises Unprocessable listing them
    (`errors.rows`: line, column, message), unless `skip_invalid`, which writes the valid rows
    and reports the others. Raises NotFound (project not visible), Forbidden (not a lead),
    Unprocessable naming `project` (archived) or `file` (None: no file; see
    csv_rows.read_rows).
    """
    with unit_of_work():
        project = projects.get_visible(key, actor)
        require(actor, Capability.PROJECT_IMPORT, project)
        if project.is_archived:
            raise Unprocessable.field("project", "This project is archived: it takes no tasks.")
        if data is None:
            raise Unprocessable.field("file", "Attach a CSV file (form field file).", "files")
        rows, errors, count = read_rows(data)
        people = _people(project.id, {name.lower() for row in rows for name in row.assignees})
        unknown = _check_people(rows, people, project.key)
        errors = sorted([*errors, *unknown], key=lambda e: (e.line, e.column or ""))
        bad_lines = {error.line for error in errors}
        rows = [row for row in rows if row.line not in bad_lines]
        report = ImportReport(
            project=project.key, dry_run=dry_run, rows=count, valid=count - len(bad_lines)
        )
        report.errors = errors
        if dry_run:
            db.session.rollback()
            return report
        if errors and not skip_invalid:
            raise Unprocessable(
                f"Nothing was imported: {len(bad_lines)} of {count} rows have problems.",
                errors={"rows": [vars(error) for error in errors]},
            )
        created = _write(project, rows, people, actor) if rows else []
        report.created, report.skipped = len(created), len(bad_lines)
        report.refs = [task.ref for task in created]
    return report
