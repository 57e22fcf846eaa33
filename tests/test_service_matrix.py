"""The role x command matrix of the services: every command and query that takes an actor,
called directly (as a CLI command, a job or a Lambda handler would) by each kind of caller on
own and others' objects.

design §2 and api/permissions.py: "ok" means the call returns; NotFound means the object is not
there for that caller (never 403 for what they may not see); Forbidden means they see it but
may not do this. A disabled account holds no capability at all, whatever its role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from api.calendars import service as calendars
from api.comments import service as comments
from api.comments import watchers
from api.comments.models import TaskComment
from api.errors import Forbidden, NotFound, Unprocessable
from api.exchange import service as exchange
from api.extensions import db
from api.inbox import service as inbox
from api.incidents import followups, reviews
from api.incidents import queries as incident_queries
from api.incidents import service as incidents
from api.incidents.filters import IncidentFilter
from api.incidents.models import IncidentStatus, Severity, Visibility
from api.notifications import service as outbox
from api.notifications.models import OutboxStatus
from api.projects import service as projects
from api.projects.models import ProjectRole
from api.reports import service as reports
from api.stats import service as stats
from api.tasks import queries as task_queries
from api.tasks import service as tasks
from api.tasks.filters import TaskFilter
from api.tasks.models import TaskStatus
from api.users import service as users
from api.users.models import Role, UserStatus
from api.webhooks import service as webhooks
from api.webhooks.models import DeliveryStatus
from tests.incidents import factories
from tests.route_matrix.notifications import _email
from tests.route_matrix.webhooks import PUBLIC_URL, _delivery, _webhook

ACTORS = ("employee", "manager", "admin", "disabled_admin")
OK = "ok"


@dataclass(frozen=True)
class Command:
    """One service call; `expect` maps every actor to OK, Forbidden or NotFound."""

    name: str
    call: Callable[[dict[str, Any], Any], Any]
    expect: dict[str, Any]


def expect(employee: Any, manager: Any, admin: Any) -> dict[str, Any]:
    """Outcomes of a command on no particular object; the disabled admin is refused."""
    return {"employee": employee, "manager": manager, "admin": admin, "disabled_admin": Forbidden}


def on_object(employee: Any, manager: Any, admin: Any) -> dict[str, Any]:
    """Outcomes of a command on one object; the disabled admin does not even see it."""
    return expect(employee, manager, admin) | {"disabled_admin": NotFound}


STAFF_ONLY = expect(Forbidden, OK, OK)
ADMIN_ONLY = expect(Forbidden, Forbidden, OK)
EVERYONE = expect(OK, OK, OK)
HIDDEN_FROM_EMPLOYEE = on_object(NotFound, OK, OK)


def _task_call(command: str, which: str, **kwargs: Any) -> Callable[[dict[str, Any], Any], Any]:
    def call(w: dict[str, Any], actor: Any) -> Any:
        fn = getattr(tasks, command)
        return fn(task_id=w[which], actor=actor, **kwargs)

    return call


def _incident_update(which: str, **changes: Any) -> Callable[[dict[str, Any], Any], Any]:
    def call(w: dict[str, Any], actor: Any) -> Any:
        return incidents.update(public_id=w[which], changes=changes, actor=actor, if_match=None)

    return call


COMMANDS = [
    # tasks
    Command(
        "tasks.create",
        lambda w, a: tasks.create(data={"title": "From a script"}, actor=a),
        STAFF_ONLY,
    ),
    Command(
        "tasks.update own",
        _task_call("update", "own_task", changes={"title": "Renamed"}, if_match=None),
        on_object(Forbidden, OK, OK),
    ),
    Command(
        "tasks.update others'",
        _task_call("update", "others_task", changes={"title": "Renamed"}, if_match=None),
        HIDDEN_FROM_EMPLOYEE,
    ),
    Command(
        "tasks.set_status own",
        _task_call("set_status", "own_task", status=TaskStatus.COMPLETED, if_match=None),
        on_object(OK, OK, OK),
    ),
    Command(
        "tasks.set_status others'",
        _task_call("set_status", "others_task", status=TaskStatus.COMPLETED, if_match=None),
        HIDDEN_FROM_EMPLOYEE,
    ),
    Command(
        "tasks.assign own",
        lambda w, a: tasks.assign(
            task_id=w["own_task"],
            data={"assignee_ids": [w["other_employee"]]},
            actor=a,
            if_match=None,
        ),
        on_object(Forbidden, OK, OK),
    ),
    Command(
        "tasks.assign others'",
        lambda w, a: tasks.assign(
            task_id=w["others_task"], data={"assignee_id": None}, actor=a, if_match=None
        ),
        HIDDEN_FROM_EMPLOYEE,
    ),
    Command("tasks.delete own", _task_call("delete", "own_task"), on_object(Forbidden, OK, OK)),
    Command(
        "tasks.delete others'",
        _task_call("delete", "others_task"),
        HIDDEN_FROM_EMPLOYEE,
    ),
    Command(
        "tasks.get_visible others'",
        lambda w, a: task_queries.get_visible(w["others_task"], a),
        HIDDEN_FROM_EMPLOYEE,
    ),
    Command(
        "tasks.timeline own",
        lambda w, a: task_queries.timeline(task_id=w["own_task"], actor=a),
        on_object(OK, OK, OK),
    ),
    # comments and watchers (issue 14)
    Command(
        "comments.create own task",
        lambda w, a: comments.create(task_id=w["own_task"], body="Seen @someone", actor=a),
        on_object(OK, OK, OK),
    ),
    Command(
        "comments.create others' task",
        lambda w, a: comments.create(task_id=w["others_task"], body="Seen", actor=a),
        HIDDEN_FROM_EMPLOYEE,
    ),
    Command(
        "comments.list own task",
        lambda w, a: comments.list_comments(task_id=w["own_task"], actor=a, page=1, page_size=5),
        on_object(OK, OK, OK),
    ),
    Command(
        "comments.update the employee's",
        lambda w, a: comments.update(
            task_id=w["own_task"], comment_id=w["own_comment"], body="Edited", actor=a
        ),
        on_object(OK, Forbidden, Forbidden),
    ),
    Command(
        "comments.update the manager's",
        lambda w, a: comments.update(
            task_id=w["own_task"], comment_id=w["managers_comment"], body="Edited", actor=a
        ),
        on_object(Forbidden, OK, Forbidden),
    ),
    Command(
        "comments.delete the manager's",
        lambda w, a: comments.delete(
            task_id=w["own_task"], comment_id=w["managers_comment"], actor=a
        ),
        on_object(Forbidden, OK, OK),
    ),
    Command(
        "comments.delete on others' task",
        lambda w, a: comments.delete(
            task_id=w["others_task"], comment_id=w["others_comment"], actor=a
        ),
        HIDDEN_FROM_EMPLOYEE,
    ),
    Command(
        "watchers.watch others' task",
        lambda w, a: watchers.watch(task_id=w["others_task"], actor=a),
        HIDDEN_FROM_EMPLOYEE,
    ),
    Command(
        "watchers.unwatch own task",
        lambda w, a: watchers.unwatch(task_id=w["own_task"], actor=a),
        on_object(OK, OK, OK),
    ),
    Command(
        "watchers.list others' task",
        lambda w, a: watchers.list_watchers(task_id=w["others_task"], actor=a),
        HIDDEN_FROM_EMPLOYEE,
    ),
    # the inbox: one's own
    Command(
        "inbox.list",
        lambda w, a: inbox.list_notifications(actor=a, unread=True, page=1, page_size=5),
        EVERYONE,
    ),
    Command("inbox.unread_count", lambda w, a: inbox.unread_count(actor=a), EVERYONE),
    Command(
        "inbox.mark_read all", lambda w, a: inbox.mark_read(actor=a, everything=True), EVERYONE
    ),
    Command(
        "inbox.update_preferences",
        lambda w, a: inbox.update_preferences(actor=a, changes={"mentioned": "both"}),
        EVERYONE,
    ),
    Command("inbox.get_preferences", lambda w, a: inbox.get_preferences(actor=a), EVERYONE),
    # incidents
    Command(
        "incidents.report",
        lambda w, a: incidents.report(data={"title": "Smoke"}, actor=a),
        EVERYONE,
    ),
    Command(
        "incidents.update own report: title",
        _incident_update("own_incident", title="Clearer title"),
        on_object(OK, OK, OK),
    ),
    Command(
        "incidents.update others' public: severity",
        _incident_update("public", severity=Severity.CRITICAL),
        on_object(Forbidden, OK, OK),
    ),
    Command(
        "incidents.update assigned: severity (triage)",
        _incident_update("assigned", severity=Severity.HIGH),
        on_object(OK, OK, OK),
    ),
    Command(
        "incidents.update assigned: status",
        _incident_update("assigned", status=IncidentStatus.INVESTIGATING),
        on_object(OK, OK, OK),
    ),
    Command(
        "incidents.update assigned resolved: reopen",
        _incident_update("assigned_resolved", status=IncidentStatus.INVESTIGATING),
        on_object(Forbidden, OK, OK),
    ),
    Command(
        "incidents.update others' public: lead",
        lambda w, a: incidents.update(
            public_id=w["public"],
            changes={"lead_id": w["actors"]["manager"].id},
            actor=a,
            if_match=None,
        ),
        on_object(Forbidden, OK, OK),
    ),
    Command(
        "incidents.update others' restricted",
        _incident_update("hidden", severity=Severity.LOW),
        HIDDEN_FROM_EMPLOYEE,
    ),
    Command(
        "incidents.respond public",
        lambda w, a: incidents.respond(public_id=w["public"], body="Seen.", actor=a),
        on_object(OK, OK, OK),
    ),
    Command(
        "incidents.respond others' restricted",
        lambda w, a: incidents.respond(public_id=w["hidden"], body="Seen.", actor=a),
        HIDDEN_FROM_EMPLOYEE,
    ),
    Command(
        "incidents.respond public, marked public",
        lambda w, a: incidents.respond(public_id=w["public"], body="Seen.", actor=a, public=True),
        on_object(Forbidden, OK, OK),
    ),
    Command(
        "followups.create on others' public",
        lambda w, a: followups.create(public_id=w["public"], data={"title": "Fix"}, actor=a),
        on_object(Forbidden, OK, OK),
    ),
    Command(
        "followups.create on others' restricted",
        lambda w, a: followups.create(public_id=w["hidden"], data={"title": "Fix"}, actor=a),
        HIDDEN_FROM_EMPLOYEE,
    ),
    Command(
        "reviews.save assigned resolved",
        lambda w, a: reviews.save(
            public_id=w["assigned_resolved"], changes={"summary": "s"}, actor=a, if_match=None
        ),
        on_object(Forbidden, OK, OK),
    ),
    Command(
        "incidents.list scope all",
        lambda w, a: incident_queries.list_incidents(
            filters=IncidentFilter(scope="all"), actor=a, page=1, page_size=10
        ),
        STAFF_ONLY,
    ),
    # users
    Command("users.get", lambda w, a: users.get(w["other_employee"], actor=a), ADMIN_ONLY),
    Command(
        "users.list",
        lambda w, a: users.list_users(actor=a, filters=users.UserFilter(), page=1, page_size=10),
        STAFF_ONLY,
    ),
    Command("users.pending_count", lambda w, a: users.pending_count(actor=a), STAFF_ONLY),
    Command(
        "users.approve",
        lambda w, a: users.approve(user_id=w["registrant"], role=Role.EMPLOYEE, actor=a),
        ADMIN_ONLY,
    ),
    Command(
        "users.reject", lambda w, a: users.reject(user_id=w["registrant"], actor=a), ADMIN_ONLY
    ),
    Command(
        "users.update",
        lambda w, a: users.update(
            user_id=w["other_employee"], changes={"role": Role.MANAGER}, actor=a
        ),
        ADMIN_ONLY,
    ),
    Command(
        "users.delete", lambda w, a: users.delete(user_id=w["other_employee"], actor=a), ADMIN_ONLY
    ),
    # stats, reports, outbox
    Command("stats.team_figures", lambda w, a: stats.team_figures(actor=a), STAFF_ONLY),
    Command("stats.incidents_per_week", lambda w, a: stats.incidents_per_week(actor=a), STAFF_ONLY),
    Command("reports.email_now", lambda w, a: reports.email_now(actor=a), STAFF_ONLY),
    Command(
        "outbox.list",
        lambda w, a: outbox.list_outbox(
            filters=outbox.OutboxFilter(), actor=a, page=1, page_size=10
        ),
        ADMIN_ONLY,
    ),
    Command(
        "outbox.get_email",
        lambda w, a: outbox.get_email(outbox_id=w["dead_email"], actor=a),
        ADMIN_ONLY,
    ),
    Command(
        "outbox.requeue",
        lambda w, a: outbox.requeue(outbox_id=w["dead_email"], actor=a),
        ADMIN_ONLY,
    ),
    # webhooks
    Command("webhooks.list", lambda w, a: webhooks.list_webhooks(actor=a), ADMIN_ONLY),
    Command(
        "webhooks.create",
        lambda w, a: webhooks.create(data={"url": PUBLIC_URL, "events": ["task.created"]}, actor=a),
        ADMIN_ONLY,
    ),
    Command(
        "webhooks.get",
        lambda w, a: webhooks.get_webhook(webhook_id=w["webhook"], actor=a),
        ADMIN_ONLY,
    ),
    Command(
        "webhooks.update",
        lambda w, a: webhooks.update(
            webhook_id=w["webhook"], changes={"events": ["task.updated"]}, actor=a
        ),
        ADMIN_ONLY,
    ),
    Command(
        "webhooks.delete",
        lambda w, a: webhooks.delete(webhook_id=w["webhook"], actor=a),
        ADMIN_ONLY,
    ),
    Command(
        "webhooks.list_deliveries",
        lambda w, a: webhooks.list_deliveries(
            filters=webhooks.DeliveryFilter(), actor=a, page=1, page_size=10
        ),
        ADMIN_ONLY,
    ),
    Command(
        "webhooks.get_delivery",
        lambda w, a: webhooks.get_delivery(delivery_id=w["dead_delivery"], actor=a),
        ADMIN_ONLY,
    ),
    Command(
        "webhooks.redeliver",
        lambda w, a: webhooks.redeliver(delivery_id=w["dead_delivery"], actor=a),
        ADMIN_ONLY,
    ),
]


@pytest.fixture
def world(make) -> dict[str, Any]:
    """The actors and one object per relation between the employee actor and an object."""
    employee, other = make.user(role="employee"), make.user(role="employee")
    manager, admin = make.user(role="manager"), make.user(role="admin")
    disabled = make.user(role="admin", status=UserStatus.DISABLED)
    reporter = make.user(role="employee")
    registrant = make.user(role="employee", status=UserStatus.PENDING)
    restricted = Visibility.RESTRICTED

    def comment(task_id: int, author: Any) -> int:
        row = TaskComment(task_id=task_id, author_id=author.id, body="A comment")
        db.session.add(row)
        db.session.commit()
        return row.id

    built = {
        "actors": {
            "employee": employee,
            "manager": manager,
            "admin": admin,
            "disabled_admin": disabled,
        },
        "other_employee": other.id,
        "registrant": registrant.id,
        # own_task is General's (every active account is a member; managers lead it); the
        # other employee's task is in a project the employee is not a member of.
        "own_task": make.task(assignee=employee, created_by=manager).id,
        "others_task": make.task(
            assignee=other,
            created_by=manager,
            project=make.project("OTH", members={other: "member", manager: "lead"}),
        ).id,
        "own_incident": factories.incident(reporter=employee).public_id,
        "public": factories.incident(reporter=reporter).public_id,
        "hidden": factories.incident(reporter=reporter, visibility=restricted).public_id,
        "assigned": factories.incident(
            reporter=reporter, assignee=employee, visibility=restricted
        ).public_id,
        "assigned_resolved": factories.incident(
            reporter=reporter, assignee=employee, status=IncidentStatus.RESOLVED
        ).public_id,
        "dead_email": _email(employee, OutboxStatus.DEAD, f"service-matrix:{employee.id}"),
    }
    hook = _webhook(admin, "service-matrix")
    built["webhook"] = hook.id
    built["dead_delivery"] = _delivery(hook, DeliveryStatus.DEAD, "service-matrix")
    db.session.commit()
    return built | {
        "own_comment": comment(built["own_task"], employee),
        "managers_comment": comment(built["own_task"], manager),
        "others_comment": comment(built["others_task"], other),
    }


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_command(world, command: Command, actor: str) -> None:
    expected = command.expect[actor]
    person = world["actors"][actor]
    if expected == OK:
        command.call(world, person)
    else:
        with pytest.raises(expected) as refused:
            command.call(world, person)
        assert type(refused.value) is expected, refused.value


def test_every_actor_has_an_outcome() -> None:
    for command in COMMANDS:
        assert set(command.expect) == set(ACTORS), command.name


def test_lists_hold_only_what_the_actor_may_see(world) -> None:
    """Queries filter: the employee's lists hold their task and the incidents they may see."""
    employee = world["actors"]["employee"]
    page = task_queries.list_tasks(filters=TaskFilter(), actor=employee, page=1, page_size=50)
    assert [t.id for t in page.items] == [world["own_task"]]
    seen = incident_queries.list_incidents(
        filters=IncidentFilter(), actor=employee, page=1, page_size=50
    )
    assert world["hidden"] not in {i.public_id for i in seen.items}
    assert {world["public"], world["assigned"], world["own_incident"]} <= {
        i.public_id for i in seen.items
    }
    disabled = world["actors"]["disabled_admin"]
    assert (
        task_queries.list_tasks(filters=TaskFilter(), actor=disabled, page=1, page_size=50).total
        == 0
    )


def test_a_list_statement_built_for_one_person_binds_the_next_persons_id(world, make) -> None:
    """Lists reuse their statements across callers (api/listing.py): the visibility rule is a
    bound parameter, so each employee still sees only their own tasks and incidents."""
    first = world["actors"]["employee"]
    second = make.user(role="employee", general=False)
    theirs = make.task(assignee=second, project=make.project("SEC", members={second: "member"})).id
    hidden = factories.incident(reporter=second, visibility=Visibility.RESTRICTED).public_id
    for person, task_id in (
        (first, world["own_task"]),
        (second, theirs),
        (first, world["own_task"]),
    ):
        page = task_queries.list_tasks(filters=TaskFilter(), actor=person, page=1, page_size=50)
        assert [t.id for t in page.items] == [task_id]
        incidents_seen = {
            i.public_id
            for i in incident_queries.list_incidents(
                filters=IncidentFilter(), actor=person, page=1, page_size=50
            ).items
        }
        assert (hidden in incidents_seen) is (person is second)


def test_a_refused_command_leaves_nothing_behind(world, db) -> None:
    """The unit of work rolls back the whole command: no task, no activity row, no email."""
    from api.activity.models import Activity
    from api.errors import Unprocessable
    from api.notifications.models import OutboxEmail
    from api.tasks.models import Task

    counts = [
        db.session.scalar(db.select(db.func.count()).select_from(m))
        for m in (Task, Activity, OutboxEmail)
    ]
    with pytest.raises(Unprocessable):
        tasks.create(
            data={"title": "Half done", "assignee_id": world["registrant"]},  # pending: refused
            actor=world["actors"]["manager"],
        )
    assert not db.session.new and not db.session.dirty
    after = [
        db.session.scalar(db.select(db.func.count()).select_from(m))
        for m in (Task, Activity, OutboxEmail)
    ]
    assert after == counts


# Projects (issue 14): the callers by their role in project OPS.
PROJECT_ACTORS = ("lead", "member", "viewer", "non_member", "manager", "manager_outsider", "admin")


def in_project(
    lead: Any,
    member: Any,
    viewer: Any,
    manager: Any,
    admin: Any = OK,
    outsider: Any = NotFound,
) -> dict[str, Any]:
    """Outcomes in OPS; `manager` is a manager with project role member. Outsiders (an employee
    and a manager who are not members) get `outsider`."""
    return {
        "lead": lead,
        "member": member,
        "viewer": viewer,
        "non_member": outsider,
        "manager": manager,
        "manager_outsider": outsider,
        "admin": admin,
    }


LEAD_ONLY = in_project(OK, Forbidden, Forbidden, Forbidden)
LEAD_RIGHTS = in_project(OK, Forbidden, Forbidden, OK)
MEMBERS = in_project(OK, OK, OK, OK)


def _p(fn: Callable[..., Any], **kwargs: Any) -> Callable[[dict[str, Any], Any], Any]:
    def call(w: dict[str, Any], actor: Any) -> Any:
        return fn(actor=actor, **{k: w.get(v, v) for k, v in kwargs.items()})

    return call


PROJECT_COMMANDS = [
    Command(
        "projects.create",
        lambda w, a: projects.create(data={"key": "NEW", "name": "New"}, actor=a),
        in_project(Forbidden, Forbidden, Forbidden, OK, outsider=Forbidden)
        | {"manager_outsider": OK},
    ),
    Command("projects.get_visible", lambda w, a: projects.get_visible("OPS", a), MEMBERS),
    Command("projects.members", _p(projects.members, key="OPS"), MEMBERS),
    Command("projects.labels", _p(projects.labels, key="OPS"), MEMBERS),
    Command("projects.update", _p(projects.update, key="OPS", changes="changes"), LEAD_ONLY),
    Command("projects.archive", _p(projects.set_archived, key="OPS", archived="yes"), LEAD_ONLY),
    Command(
        "projects.set_member",
        _p(projects.set_member, key="OPS", user_id="member_id", role="viewer_role"),
        LEAD_ONLY,
    ),
    Command(
        "projects.remove_member",
        _p(projects.remove_member, key="OPS", user_id="viewer_id"),
        LEAD_ONLY,
    ),
    Command(
        "projects.create_label",
        _p(projects.create_label, key="OPS", data="label_data"),
        LEAD_ONLY,
    ),
    Command(
        "projects.update_label",
        _p(projects.update_label, key="OPS", label_id="label", changes="label_data"),
        LEAD_ONLY,
    ),
    Command(
        "projects.delete_label", _p(projects.delete_label, key="OPS", label_id="label"), LEAD_ONLY
    ),
    Command(
        "tasks.create in OPS",
        lambda w, a: tasks.create(data={"title": "t", "project": "OPS"}, actor=a),
        in_project(OK, Forbidden, Forbidden, OK, outsider=Unprocessable),
    ),
    Command(
        "tasks.get_visible in OPS",
        lambda w, a: task_queries.get_visible(w["task"], a),
        MEMBERS,
    ),
    Command(
        "tasks.update in OPS",
        _task_call("update", "task", changes={"title": "R"}, if_match=None),
        LEAD_RIGHTS,
    ),
    Command(
        "tasks.set_status in OPS (assigned to the member)",
        _task_call("set_status", "task", status=TaskStatus.COMPLETED, if_match=None),
        in_project(OK, OK, Forbidden, OK),
    ),
    Command(
        "tasks.assign in OPS",
        _task_call("assign", "task", data={"assignee_ids": []}, if_match=None),
        LEAD_RIGHTS,
    ),
    Command("tasks.delete in OPS", _task_call("delete", "task"), LEAD_RIGHTS),
    Command(
        "exchange.import_tasks into OPS",
        lambda w, a: exchange.import_tasks(key="OPS", data=b"title\nx\n", actor=a, dry_run=False),
        LEAD_ONLY,
    ),
    Command(
        "calendars.create_token",
        lambda w, a: calendars.create_token(actor=a),
        in_project(OK, OK, OK, OK, outsider=OK),
    ),
    Command(
        "calendars.revoke_token",
        lambda w, a: calendars.revoke_token(actor=a),
        in_project(OK, OK, OK, OK, outsider=OK),
    ),
]


@pytest.fixture
def project_world(make) -> dict[str, Any]:
    """Project OPS with a lead, a member, a viewer and a manager (project role member);
    an employee and a manager who are not members; an admin; a label; a task of the member."""
    people = {
        "lead": make.user(role="employee"),
        "member": make.user(role="employee"),
        "viewer": make.user(role="employee"),
        "non_member": make.user(role="employee"),
        "manager": make.user(role="manager"),
        "manager_outsider": make.user(role="manager"),
        "admin": make.user(role="admin"),
    }
    ops = make.project(
        "OPS",
        members={
            people["lead"]: "lead",
            people["member"]: "member",
            people["viewer"]: "viewer",
            people["manager"]: "member",
        },
    )
    return {
        "actors": people,
        "member_id": people["member"].id,
        "viewer_id": people["viewer"].id,
        "viewer_role": ProjectRole.VIEWER,
        "changes": {"name": "Operations"},
        "yes": True,
        "label_data": {"name": "urgent-ish"},
        "label": make.label(ops, "bug").id,
        "task": make.task(project=ops, assignee=people["member"]).id,
    }


@pytest.mark.parametrize("actor", PROJECT_ACTORS)
@pytest.mark.parametrize("command", PROJECT_COMMANDS, ids=[c.name for c in PROJECT_COMMANDS])
def test_project_command(project_world, command: Command, actor: str) -> None:
    expected = command.expect[actor]
    person = project_world["actors"][actor]
    if expected == OK:
        command.call(project_world, person)
    else:
        with pytest.raises(expected) as refused:
            command.call(project_world, person)
        assert type(refused.value) is expected, refused.value


def test_every_project_actor_has_an_outcome() -> None:
    for command in PROJECT_COMMANDS:
        assert set(command.expect) == set(PROJECT_ACTORS), command.name
