"""Who may do what: named capabilities, the role table, and the object rules (design §2).

Every rule about who may do what is answered here and nowhere else:

- `Capability` names each thing a person may do ("task.assign", "incident.triage", ...).
- `GRANTS` says, per capability and role, whether the role holds it on EVERY object, only where
  the domain's object RULE says so (an employee moves the tasks assigned to them), or not at all
  (the role is absent).
- Each domain registers its object rule (`register_rule`) beside its models: `api/tasks/rules.py`
  ("the assignee"), `api/incidents/rules.py` ("public, or the reporter, or the assignee"). A rule
  answers for one object in Python and, for lists, as a SQL condition.
- Services call `require(actor, capability, obj)` at the top of every command and filter every
  query with `visible_clause`; the JSON routes' `login_required`, the UI's `page_login_required`,
  the navigation and the templates read the same table (`role_may`, `can`, the services'
  `allowed_actions`).

An object the caller may not see answers 404, not 403 (design §2), so ids cannot be probed:
`require` raises the domain's NotFound when the actor lacks the domain's read capability on the
object, and Forbidden when they see it but may not do this to it.

Callers (`actor`) are users: anything with `id`, `role` and `status`. Only active accounts hold
capabilities (a CLI or a job acting for a disabled account is refused like the API refuses it).
This module imports no domain package; domains import it.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa

from api.errors import Forbidden, NotFound
from api.scopes import Scope, token_scopes


class Actor(Protocol):
    """A signed-in person as the rules see them (api.users.models.User)."""

    id: int
    role: Any  # Role, a StrEnum: compares equal to its value
    status: Any  # UserStatus


class Capability(enum.StrEnum):
    """Everything a person may be allowed to do; the value is the name used in messages/docs."""

    TASK_READ = "task.read"
    TASK_CREATE = "task.create"
    TASK_EDIT = "task.edit"
    TASK_ASSIGN = "task.assign"
    TASK_SET_STATUS = "task.set_status"
    TASK_DELETE = "task.delete"
    TASK_COMMENT = "task.comment"
    TASK_WATCH = "task.watch"
    COMMENT_READ = "comment.read"
    COMMENT_EDIT = "comment.edit"
    COMMENT_DELETE = "comment.delete"
    INCIDENT_READ = "incident.read"
    INCIDENT_REPORT = "incident.report"
    INCIDENT_RESPOND = "incident.respond"
    INCIDENT_EDIT_REPORT = "incident.edit_report"
    INCIDENT_TRIAGE = "incident.triage"
    INCIDENT_SET_STATUS = "incident.set_status"
    INCIDENT_REOPEN = "incident.reopen"
    INCIDENT_LEAD = "incident.lead"
    INCIDENT_FOLLOW_UP = "incident.follow_up"
    INCIDENT_REVIEW = "incident.review"
    INCIDENT_PUBLISH = "incident.publish"
    PROJECT_READ = "project.read"
    PROJECT_CREATE = "project.create"
    PROJECT_EDIT = "project.edit"
    PROJECT_MANAGE_MEMBERS = "project.manage_members"
    PROJECT_MANAGE_LABELS = "project.manage_labels"
    PROJECT_ARCHIVE = "project.archive"
    PROJECT_IMPORT = "project.import"
    USER_LIST = "user.list"
    USER_ADMIN = "user.admin"
    STATS_READ = "stats.read"
    OUTBOX_ADMIN = "outbox.admin"
    INBOX_USE = "inbox.use"
    TOKEN_MANAGE = "token.manage"  # one's own personal access tokens
    CALENDAR_USE = "calendar.use"
    WEBHOOK_ADMIN = "webhook.admin"
    SAVED_VIEW_READ = "saved_view.read"
    SAVED_VIEW_CREATE = "saved_view.create"
    SAVED_VIEW_EDIT = "saved_view.edit"
    SAVED_VIEW_DELETE = "saved_view.delete"

    @property
    def domain(self) -> str:
        """The object kind the capability acts on: "task" for "task.assign"."""
        return self.value.partition(".")[0]


class Grant(enum.Enum):
    """How a role holds a capability: on every object, or where the object rule says so."""

    EVERY = "every"
    RULE = "rule"


EVERY, RULE = Grant.EVERY, Grant.RULE
ACTIVE = "active"  # UserStatus.ACTIVE's value


def _staff(grant: Grant = EVERY) -> dict[str, Grant]:
    return {"admin": EVERY, "manager": EVERY, "employee": grant}


def _members() -> dict[str, Grant]:
    """Administrators on every object; managers and employees where their project role says."""
    return {"admin": EVERY, "manager": RULE, "employee": RULE}


def _owners() -> dict[str, Grant]:
    """Every role, on the objects the domain's rule gives them (their own)."""
    return {"admin": RULE, "manager": RULE, "employee": RULE}


# The table of design §2. A role that is absent does not hold the capability at all.
GRANTS: dict[Capability, dict[str, Grant]] = {
    # Tasks (issue 14, api/tasks/rules.py): every member of a task's project reads it; leads,
    # and managers who are members (not viewers), create, edit, assign and delete in it;
    # members move the status of the tasks assigned to them. Administrators: everything.
    Capability.TASK_READ: _members(),
    Capability.TASK_CREATE: _members(),
    Capability.TASK_EDIT: _members(),
    Capability.TASK_ASSIGN: _members(),
    Capability.TASK_SET_STATUS: _members(),
    Capability.TASK_DELETE: _members(),
    # Projects (api/projects/rules.py): members of every project role read it; its leads edit,
    # archive, manage members and labels. Managers and administrators create projects.
    Capability.PROJECT_READ: _members(),
    Capability.PROJECT_CREATE: {"admin": EVERY, "manager": EVERY},
    Capability.PROJECT_EDIT: _members(),
    Capability.PROJECT_MANAGE_MEMBERS: _members(),
    Capability.PROJECT_MANAGE_LABELS: _members(),
    Capability.PROJECT_ARCHIVE: _members(),
    # CSV import of tasks into a project (api/exchange): its leads; administrators anywhere.
    Capability.PROJECT_IMPORT: _members(),
    # Comments and watching (issue 14, api/comments/rules.py): leads and members of a task's
    # project comment and watch (viewers only read); the author edits a comment; the author,
    # whoever holds task.edit on the task (its project's leads) and admins delete it.
    Capability.TASK_COMMENT: _members(),
    Capability.TASK_WATCH: _members(),
    Capability.COMMENT_READ: _members(),  # whoever sees the comment's task
    Capability.COMMENT_EDIT: {"admin": RULE, "manager": RULE, "employee": RULE},  # the author
    Capability.COMMENT_DELETE: _members(),
    Capability.INCIDENT_READ: _staff(RULE),  # public ones, and those they reported or hold
    Capability.INCIDENT_REPORT: _staff(EVERY),
    Capability.INCIDENT_RESPOND: _staff(EVERY),  # on the incidents they can see
    Capability.INCIDENT_EDIT_REPORT: _staff(RULE),  # the reporter
    Capability.INCIDENT_TRIAGE: _staff(RULE),  # severity and assignee: the assignee
    Capability.INCIDENT_SET_STATUS: _staff(RULE),  # the assignee
    Capability.INCIDENT_REOPEN: {"admin": EVERY, "manager": EVERY},
    # Who may be an incident's lead (employees may be assigned, not lead). The lead reads,
    # triages and moves the incidents they lead (api/incidents/rules.py).
    Capability.INCIDENT_LEAD: {"admin": EVERY, "manager": EVERY},
    # Follow-up tasks (task.create in the chosen project too) and the post-incident review:
    # managers and admins on every incident; an employee where api/incidents/rules.py says
    # (the assignee may add follow-ups; the review is the lead's). Marking a response public
    # (the status page shows it) is for managers and admins.
    Capability.INCIDENT_FOLLOW_UP: _staff(RULE),
    Capability.INCIDENT_REVIEW: _staff(RULE),
    Capability.INCIDENT_PUBLISH: {"admin": EVERY, "manager": EVERY},
    Capability.USER_LIST: {"admin": EVERY, "manager": EVERY},  # managers: active, public fields
    Capability.USER_ADMIN: {"admin": EVERY},
    Capability.STATS_READ: {"admin": EVERY, "manager": EVERY},  # stats and summary reports
    Capability.OUTBOX_ADMIN: {"admin": EVERY},
    Capability.INBOX_USE: _staff(EVERY),  # one's own notifications and preferences
    Capability.TOKEN_MANAGE: _staff(EVERY),  # one's own personal access tokens
    Capability.CALENDAR_USE: _staff(EVERY),  # one's own calendar feed URL (api/calendars)
    Capability.WEBHOOK_ADMIN: {"admin": EVERY},  # outgoing webhooks and their deliveries
    # Saved views (api/saved_views/rules.py): everyone saves their own; the owner sees, edits
    # and deletes a view; a view shared with a project is seen by whoever sees the project.
    Capability.SAVED_VIEW_READ: _owners(),
    Capability.SAVED_VIEW_CREATE: _staff(EVERY),
    Capability.SAVED_VIEW_EDIT: _owners(),
    Capability.SAVED_VIEW_DELETE: _owners(),
}


C = Capability
_TASKS_WRITE = (
    C.TASK_CREATE,
    C.TASK_EDIT,
    C.TASK_ASSIGN,
    C.TASK_SET_STATUS,
    C.TASK_DELETE,
    C.PROJECT_IMPORT,
)
_COMMENTS_WRITE = (C.TASK_COMMENT, C.TASK_WATCH, C.COMMENT_EDIT, C.COMMENT_DELETE)
_VIEWS_WRITE = (C.SAVED_VIEW_CREATE, C.SAVED_VIEW_EDIT, C.SAVED_VIEW_DELETE)
_INCIDENTS_WRITE = (C.INCIDENT_REPORT, C.INCIDENT_RESPOND, C.INCIDENT_EDIT_REPORT)
_INCIDENTS_WRITE += (C.INCIDENT_REVIEW, C.INCIDENT_FOLLOW_UP, C.INCIDENT_PUBLISH)  # + task.create
_INCIDENTS_MOVE = (C.INCIDENT_TRIAGE, C.INCIDENT_SET_STATUS, C.INCIDENT_REOPEN, C.INCIDENT_LEAD)
_PROJECTS_ADMIN = (C.PROJECT_CREATE, C.PROJECT_EDIT, C.PROJECT_MANAGE_MEMBERS)
_ADMIN = (C.PROJECT_MANAGE_LABELS, C.PROJECT_ARCHIVE, C.USER_LIST, C.USER_ADMIN, C.STATS_READ)
# The scope a personal access token needs for each capability, on top of its owner's grant: a
# token's capabilities are its owner's intersected with its scopes'. A capability absent here
# (the tokens themselves, the in-app inbox) is refused to every token.
SCOPES: dict[Capability, Scope] = {
    **dict.fromkeys((C.TASK_READ, C.COMMENT_READ, C.PROJECT_READ), Scope.TASKS_READ),
    C.SAVED_VIEW_READ: Scope.TASKS_READ,
    **dict.fromkeys(_TASKS_WRITE + _COMMENTS_WRITE + _VIEWS_WRITE, Scope.TASKS_WRITE),
    C.INCIDENT_READ: Scope.INCIDENTS_READ,
    **dict.fromkeys(_INCIDENTS_WRITE + _INCIDENTS_MOVE, Scope.INCIDENTS_WRITE),
    **dict.fromkeys(_PROJECTS_ADMIN + _ADMIN + (C.OUTBOX_ADMIN, C.WEBHOOK_ADMIN), Scope.ADMIN),
}


def scope_refusal(actor: Actor | None, capability: Capability) -> str | None:
    """Why a personal access token may not use `capability` (a message naming the scope).

    None when the request carries no token for `actor`, or when its scopes cover `capability`.
    """
    scopes = token_scopes(actor)
    if scopes is None:
        return None
    needed = SCOPES.get(capability)
    if needed is None:
        return f"A personal access token may not do this ({capability.value}); sign in instead."
    if needed not in scopes:
        return f"This token lacks the {needed.value} scope ({capability.value})."
    return None


def require_scope(actor: Actor | None, capability: Capability) -> None:
    """Raise Forbidden naming the missing scope when a personal access token lacks it."""
    refusal = scope_refusal(actor, capability)
    if refusal is not None:
        raise Forbidden(refusal)


@dataclass(frozen=True)
class ObjectRule:
    """A domain's object rule.

    `read` is the capability that lets a person see an object of the domain; `owns(actor,
    capability, obj)` answers for a RULE grant on one object; `clause(actor_id, capability)` is
    the same rule as a SQL condition on the domain's table, for the person whose id is
    `actor_id` (an int, or a bound parameter in a statement built once for every caller);
    `not_found` is the message of the domain's 404.
    """

    read: Capability
    owns: Callable[[Actor, Capability, Any], bool]
    clause: Callable[[Any, Capability], sa.ColumnElement[bool]]
    not_found: str


RULES: dict[str, ObjectRule] = {}


def register_rule(domain: str, rule: ObjectRule) -> ObjectRule:
    """Register the object rule of `domain` ("task"); the domain's rules module calls this."""
    RULES[domain] = rule
    return rule


def _rule(capability: Capability) -> ObjectRule:
    rule = RULES.get(capability.domain)
    if rule is None:
        # The domain's service imports its rules first; a caller that got here another way
        # (a template helper, a script) loads them now. Still missing: fail closed.
        importlib.import_module(f"api.{capability.domain}s.rules")
        rule = RULES.get(capability.domain)
    if rule is None:
        raise LookupError(f"no object rule registered for {capability.domain!r}")
    return rule


def grant(actor: Actor | None, capability: Capability) -> Grant | None:
    """How `actor` holds `capability` (EVERY, RULE), or None: not at all, or not active.

    With a personal access token in this request, also None when its scopes lack `capability`.
    """
    if actor is None or actor.status != ACTIVE:
        return None
    how = GRANTS[capability].get(actor.role)
    if how is not None and scope_refusal(actor, capability) is not None:
        return None
    return how


def role_may(role: Any, capability: Capability) -> bool:
    """True when `role` holds `capability` on at least some objects (route and page guards)."""
    return role in GRANTS[capability]


def roles_with(capability: Capability) -> tuple[str, ...]:
    """The roles that hold `capability` on every object ("who gets the summary report")."""
    return tuple(role for role, how in GRANTS[capability].items() if how is EVERY)


def can(actor: Actor | None, capability: Capability, obj: Any = None) -> bool:
    """True when `actor` may use `capability`, on `obj` when given.

    Without `obj` the answer is about every object ("may list all incidents"); a RULE grant
    then answers False. With `obj`, a RULE grant asks the domain's object rule.
    """
    how = grant(actor, capability)
    if how is EVERY:
        return True
    if how is RULE and obj is not None:
        return _rule(capability).owns(actor, capability, obj)  # type: ignore[arg-type]
    return False


def require(actor: Actor | None, capability: Capability, obj: Any = None) -> None:
    """Raise unless `actor` may use `capability` (on `obj` when given).

    With `obj`: NotFound (the domain's message) when `actor` may not see it, Forbidden when
    they see it but may not do this. Without: Forbidden. Services call this first. A personal
    access token without the capability's scope: Forbidden naming the scope, before any object
    is looked at (so it tells nothing about the object).
    """
    require_scope(actor, capability)
    if obj is not None:
        rule = _rule(capability)
        if capability is not rule.read and not can(actor, rule.read, obj):
            raise NotFound(rule.not_found)
        if not can(actor, capability, obj):
            if capability is rule.read:
                raise NotFound(rule.not_found)
            raise Forbidden(f"You may not do this ({capability.value}).")
        return
    if not can(actor, capability):
        raise Forbidden(f"You may not do this ({capability.value}).")


def visible_clause(actor: Actor | None, capability: Capability) -> sa.ColumnElement[bool] | None:
    """The SQL condition a list of the domain's objects needs for `actor`.

    None when `actor` holds `capability` on every object (no condition), the rule's clause for
    a RULE grant, and FALSE when they do not hold it at all.
    """
    how = grant(actor, capability)
    if how is EVERY:
        return None
    if how is RULE:
        return rule_clause(capability, actor.id)  # type: ignore[union-attr]
    return sa.false()


def rule_clause(capability: Capability, actor_id: Any) -> sa.ColumnElement[bool]:
    """The object rule of `capability` as SQL, for the person `actor_id` (int or bindparam)."""
    return _rule(capability).clause(actor_id, capability)


def allowed(actor: Actor | None, obj: Any, capabilities: Iterable[Capability]) -> frozenset[str]:
    """The names of `capabilities` that `actor` holds on `obj` ("task.edit", ...)."""
    return frozenset(c.value for c in capabilities if can(actor, c, obj))


def first_visible(
    stmt: sa.Select, actor: Actor | None, capability: Capability, *, not_found: str
) -> Any:
    """The first row of `stmt` that `actor` may see through `capability`'s object rule.

    Raises NotFound(`not_found`) when there is none: an object the caller may not see answers
    404, never 403 (design §2).
    """
    from api.extensions import db

    clause = visible_clause(actor, capability)
    # unique(): a statement may eager-load a collection with a join (a task's labels)
    found = db.session.execute(stmt if clause is None else stmt.where(clause)).unique().scalar()
    if found is None:
        raise NotFound(not_found)
    return found
