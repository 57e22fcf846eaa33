"""api/permissions.py: the role table is whole and spelled right, and `require` answers 404 for
what the caller may not see, 403 for what they see but may not do."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from api.errors import Forbidden, NotFound
from api.permissions import EVERY, GRANTS, RULE, RULES, Capability, can, require, roles_with
from api.tasks import rules as task_rules  # noqa: F401  (registers the task rule)
from api.users.models import Role


def _person(role: str, status: str = "active", id: int = 1) -> SimpleNamespace:
    return SimpleNamespace(id=id, role=Role(role), status=status)


def test_every_capability_has_a_row_naming_only_real_roles() -> None:
    assert set(GRANTS) == set(Capability)
    for capability, row in GRANTS.items():
        assert set(row) <= {role.value for role in Role}, capability
        assert set(row.values()) <= {EVERY, RULE}, capability


def test_every_rule_grant_has_its_domain_rule() -> None:
    from api.comments import rules as comment_rules  # noqa: F401
    from api.incidents import rules as incident_rules  # noqa: F401

    for capability, row in GRANTS.items():
        if RULE in row.values():
            assert capability.domain in RULES, capability


# Nobody edits another person's words, admins included (issue 14: "the author edits").
# Held on one's own objects only, by administrators too: one's comment, one's saved views (a
# private view is its owner's alone; a shared one is read through its project).
AUTHOR_ONLY = {
    Capability.COMMENT_EDIT,
    Capability.SAVED_VIEW_READ,
    Capability.SAVED_VIEW_EDIT,
    Capability.SAVED_VIEW_DELETE,
}


def test_admins_hold_every_capability_on_every_object() -> None:
    assert all(row.get("admin") is EVERY for cap, row in GRANTS.items() if cap not in AUTHOR_ONLY)
    assert all(GRANTS[cap]["admin"] is RULE for cap in AUTHOR_ONLY)


@pytest.mark.parametrize("status", ["pending", "rejected", "disabled"])
def test_an_account_that_is_not_active_holds_nothing(status: str) -> None:
    admin = _person("admin", status=status)
    assert not any(can(admin, capability) for capability in Capability)


def test_require_answers_not_found_for_an_object_the_caller_may_not_see(make) -> None:
    """Issue 14: a task's project decides; outside it the task is not there (404)."""
    employee = make.user(role="employee", general=False)
    ops = make.project("OPS", members={employee: "member"})
    theirs = make.task(project=ops, assignee=employee)
    not_theirs = make.task(project=ops)
    elsewhere = make.task(project=make.project("OTH"))
    require(employee, Capability.TASK_SET_STATUS, theirs)
    with pytest.raises(Forbidden):
        require(employee, Capability.TASK_SET_STATUS, not_theirs)
    with pytest.raises(NotFound):
        require(employee, Capability.TASK_SET_STATUS, elsewhere)
    with pytest.raises(NotFound):
        require(employee, Capability.TASK_EDIT, elsewhere)
    with pytest.raises(Forbidden):
        require(employee, Capability.TASK_EDIT, theirs)
    with pytest.raises(Forbidden):
        require(employee, Capability.TASK_CREATE)  # without a project: no RULE answer


def test_summary_reports_go_to_the_roles_that_read_stats() -> None:
    assert set(roles_with(Capability.STATS_READ)) == {"admin", "manager"}
