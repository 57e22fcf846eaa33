"""Task lists: filters, sort, pagination, visibility, and SQL statements per request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine

from api.tasks.models import Priority, TaskStatus

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def ids(client, headers, query: dict | list | str = "", path: str = "/api/v1/tasks") -> list[int]:
    qs = query if isinstance(query, str) else urlencode(query, doseq=True)
    response = client.get(f"{path}?{qs}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


@pytest.fixture
def manager_h(auth):
    return auth.as_role("manager")[1]


def test_filter_by_status_with_repeated_keys(client, make, manager_h):
    pending = make.task(status=TaskStatus.PENDING)
    started = make.task(status=TaskStatus.IN_PROGRESS)
    make.task(status=TaskStatus.COMPLETED)
    query = [("status", "pending"), ("status", "in_progress"), ("sort", "created")]
    assert ids(client, manager_h, query) == [pending.id, started.id]
    assert ids(client, manager_h, {"status": "completed"}) != []
    assert len(ids(client, manager_h)) == 3


def test_filter_by_priority(client, make, manager_h):
    low = make.task(priority=Priority.LOW)
    urgent = make.task(priority=Priority.URGENT)
    make.task(priority=Priority.NORMAL)
    assert ids(client, manager_h, [("priority", "urgent")]) == [urgent.id]
    query = [("priority", "low"), ("priority", "urgent"), ("sort", "created")]
    assert ids(client, manager_h, query) == [low.id, urgent.id]


def test_filter_by_assignee_and_unassigned(client, make, manager_h):
    alice, bob = make.user(), make.user()
    a = make.task(assignee=alice)
    make.task(assignee=bob)
    nobody = make.task()
    assert ids(client, manager_h, {"assignee_id": alice.id}) == [a.id]
    assert ids(client, manager_h, {"unassigned": "true"}) == [nobody.id]


def test_filter_by_deadline_range(client, make, manager_h):
    early = make.task(deadline=datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
    middle = make.task(deadline=datetime(2026, 7, 10, 9, 0, tzinfo=UTC))
    make.task(deadline=datetime(2026, 7, 20, 9, 0, tzinfo=UTC))
    make.task(deadline=None)
    query = {
        "deadline_from": "2026-07-01T11:00:00+02:00",  # 09:00 UTC, inclusive
        "deadline_to": "2026-07-15T00:00:00Z",
        "sort": "deadline",
    }
    assert ids(client, manager_h, query) == [early.id, middle.id]
    assert ids(client, manager_h, {"deadline_from": "2026-07-01T09:00:01+00:00"})[-1] != early.id


def test_deadline_range_backwards_is_422(client, manager_h):
    query = urlencode(
        {"deadline_from": "2026-07-15T00:00:00Z", "deadline_to": "2026-07-01T00:00:00Z"}
    )
    response = client.get(f"/api/v1/tasks?{query}", headers=manager_h)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["query"]) == ["deadline_to"]


@pytest.mark.parametrize("field", ["deadline_from", "deadline_to"])
def test_naive_deadline_filter_is_422(client, manager_h, field):
    response = client.get(f"/api/v1/tasks?{field}=2026-07-01T00:00:00", headers=manager_h)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["query"]) == [field]


def test_filter_overdue(client, make, auth):
    with time_machine.travel(NOW, tick=False):
        _manager, manager_h = auth.as_role("manager")  # a token issued "now", not in the future
        late = make.task(deadline=NOW - timedelta(hours=1))
        make.task(deadline=NOW - timedelta(hours=1), status=TaskStatus.COMPLETED)
        future = make.task(deadline=NOW + timedelta(hours=1))
        no_deadline = make.task(deadline=None)
        assert ids(client, manager_h, {"overdue": "true"}) == [late.id]
        not_overdue = ids(client, manager_h, {"overdue": "false", "sort": "created"})
        assert late.id not in not_overdue
        assert future.id in not_overdue
        assert no_deadline.id in not_overdue
        assert len(not_overdue) == 3


def test_short_search_is_a_title_prefix_with_wildcards_escaped(client, make, manager_h):
    """Text with no word of 3 letters is a title prefix (full text: tests/tasks/test_search.py)."""
    percent = make.task(title="%s of the budget")
    make.task(title="Reach 100% coverage", description="% and _ inside")
    underscore = make.task(title="_private fields")
    backslash = make.task(title="\\temp path")
    assert ids(client, manager_h, {"q": "%"}) == [percent.id]
    assert ids(client, manager_h, {"q": "_"}) == [underscore.id]
    assert ids(client, manager_h, {"q": "\\"}) == [backslash.id]
    assert ids(client, manager_h, {"q": "%S"}) == [percent.id]  # case-insensitive


def test_sorts_both_directions(client, make, manager_h):
    with time_machine.travel(NOW, tick=False):
        a = make.task(priority=Priority.HIGH, deadline=NOW + timedelta(days=3))
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        b = make.task(priority=Priority.LOW, deadline=NOW + timedelta(days=1))
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        c = make.task(priority=Priority.URGENT, deadline=None)
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        d = make.task(priority=Priority.NORMAL, deadline=NOW + timedelta(days=2))

    def sort(key: str) -> list[int]:
        return ids(client, manager_h, {"sort": key})

    assert sort("created") == [a.id, b.id, c.id, d.id]
    assert sort("-created") == [d.id, c.id, b.id, a.id]
    assert ids(client, manager_h) == [d.id, c.id, b.id, a.id]  # the default
    assert sort("priority") == [b.id, d.id, a.id, c.id]
    assert sort("-priority") == [c.id, a.id, d.id, b.id]
    # Tasks without a deadline come last in both directions.
    assert sort("deadline") == [b.id, d.id, a.id, c.id]
    assert sort("-deadline") == [a.id, d.id, b.id, c.id]


@pytest.mark.parametrize("sort", ["title", "-title", "created_at", "--created", ""])
def test_unknown_sort_is_422(client, manager_h, sort):
    response = client.get(f"/api/v1/tasks?sort={sort}", headers=manager_h)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]["query"]) == ["sort"]


def test_pagination(client, make, manager_h):
    tasks = [make.task() for _ in range(7)]
    response = client.get("/api/v1/tasks?page=2&page_size=3&sort=created", headers=manager_h)
    assert response.status_code == 200
    data = response.get_json()
    assert [item["id"] for item in data["items"]] == [t.id for t in tasks[3:6]]
    assert (data["page"], data["page_size"], data["total"], data["pages"]) == (2, 3, 7, 3)
    last = client.get("/api/v1/tasks?page=3&page_size=3&sort=created", headers=manager_h)
    assert [item["id"] for item in last.get_json()["items"]] == [tasks[6].id]
    beyond = client.get("/api/v1/tasks?page=9&page_size=3", headers=manager_h).get_json()
    assert (beyond["items"], beyond["total"]) == ([], 7)


def test_the_total_counts_what_the_caller_may_see_after_the_filters(client, make, auth):
    employee, headers = auth.as_role("employee")
    mine = [make.task(assignee=employee, status=TaskStatus.PENDING) for _ in range(3)]
    make.task(assignee=employee, status=TaskStatus.COMPLETED)
    elsewhere = make.project("OTH")
    for _ in range(4):
        make.task(status=TaskStatus.PENDING, project=elsewhere)  # not their project: invisible

    page = client.get("/api/v1/tasks?status=pending&page_size=2&sort=created", headers=headers)

    data = page.get_json()
    assert [item["id"] for item in data["items"]] == [t.id for t in mine[:2]]
    assert (data["total"], data["pages"]) == (3, 2)


def test_a_listed_task_reads_as_its_own_page(client, make, auth):
    """List items are read as plain rows, the task's page as an entity: the JSON is the same."""
    manager, headers = auth.as_role("manager")
    employee = make.user(role="employee")
    due = datetime.now(UTC) - timedelta(days=1)
    started = make.task(
        created_by=manager,
        assignee=employee,
        status=TaskStatus.IN_PROGRESS,
        priority=Priority.URGENT,
        deadline=due,
        description="Replace the router.",
    )
    unassigned = make.task(created_by=None, title="Unowned")

    listed = client.get("/api/v1/tasks?sort=created", headers=headers).get_json()["items"]

    for task, item in zip([started, unassigned], listed, strict=True):
        assert item == client.get(f"/api/v1/tasks/{task.id}", headers=headers).get_json()
    assert listed[0]["is_overdue"] is True
    assert listed[0]["assignee"] == {"id": employee.id, "username": employee.username}
    assert listed[1]["assignee"] is None and listed[1]["created_by"] is None


def test_page_size_limits(client, make, manager_h):
    make.task()
    assert client.get("/api/v1/tasks?page_size=100", headers=manager_h).status_code == 200
    for query, field in [
        ("page_size=101", "page_size"),
        ("page_size=0", "page_size"),
        ("page=0", "page"),
        ("page=abc", "page"),
    ]:
        response = client.get(f"/api/v1/tasks?{query}", headers=manager_h)
        assert response.status_code == 422, query
        assert list(response.get_json()["errors"]["query"]) == [field]


@pytest.mark.parametrize(
    "query",
    ["status=done", "priority=critical", "assignee_id=0", "overdue=maybe", "q=", "unassigned=2"],
)
def test_bad_list_query_is_422(client, manager_h, query):
    response = client.get(f"/api/v1/tasks?{query}", headers=manager_h)
    assert response.status_code == 422
    assert response.get_json()["errors"]["query"]


def test_employee_lists_only_the_tasks_of_their_projects(client, make, auth):
    employee, employee_h = auth.as_role("employee")
    elsewhere = make.project("OTH")
    mine = make.task(assignee=employee)
    make.task(assignee=make.user(), project=elsewhere)
    make.task(project=elsewhere)
    assert ids(client, employee_h) == [mine.id]
    # An assignee filter cannot widen what an employee sees.
    other = make.user()
    make.task(assignee=other, project=elsewhere)
    assert ids(client, employee_h, {"assignee_id": other.id}) == []
    assert ids(client, employee_h, path="/api/v1/tasks/mine") == [mine.id]


def test_lists_with_the_same_filters_bind_each_callers_values(client, make, auth):
    # list_tasks builds one statement per combination of filters; the values are bound per
    # request: the caller, the filter values, and the clock.
    first = make.user(general=False)
    second = make.user(general=False)
    first_h, second_h = auth.headers(first), auth.headers(second)
    own = {
        user.id: make.task(
            assignee=user,
            title=f"task of {user.username}",
            project=make.project(f"P{user.id}", members={user: "member"}),
        )
        for user in (first, second)
    }
    assert ids(client, first_h) == [own[first.id].id]
    assert ids(client, second_h) == [own[second.id].id]
    assert ids(client, first_h, {"q": second.username}) == []
    assert ids(client, second_h, {"q": second.username}) == [own[second.id].id]

    with time_machine.travel(NOW, tick=False):
        _manager, manager_h = auth.as_role("manager")
        soon = make.task(deadline=NOW + timedelta(minutes=5))
        assert soon.id not in ids(client, manager_h, {"overdue": "true"})
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):  # token still valid
        assert soon.id in ids(client, manager_h, {"overdue": "true"})


def test_mine_lists_the_callers_tasks_for_a_manager(client, make, auth):
    manager, manager_h = auth.as_role("manager")
    mine = make.task(assignee=manager)
    make.task(assignee=make.user())
    assert ids(client, manager_h, path="/api/v1/tasks/mine") == [mine.id]
    assert ids(client, manager_h, {"unassigned": "true"}, path="/api/v1/tasks/mine") == [mine.id]


def test_list_items_carry_the_users(client, make, manager_h):
    creator = make.user(role="manager")
    assignee = make.user()
    make.task(assignee=assignee, created_by=creator)
    [item] = client.get("/api/v1/tasks", headers=manager_h).get_json()["items"]
    assert item["assignee"] == {"id": assignee.id, "username": assignee.username}
    assert item["created_by"] == {"id": creator.id, "username": creator.username}


def _statements(client, count_queries, headers, query: str) -> int:
    with count_queries() as counter:
        response = client.get(f"/api/v1/tasks?{query}", headers=headers)
    assert response.status_code == 200
    return counter.count, response.get_json()


def test_statement_count_does_not_grow_with_the_page(client, make, auth, count_queries):
    """Auth lookup + page + count: the same whatever the number of rows or the page size."""
    _manager, manager_h = auth.as_role("manager")
    creator = make.user(role="manager")
    people = [make.user() for _ in range(6)]
    for n in range(5):
        make.task(assignee=people[n], created_by=creator)
    small, small_body = _statements(client, count_queries, manager_h, "page_size=50")
    assert small_body["total"] == 5

    for n in range(55):
        make.task(assignee=people[n % 6], created_by=creator if n % 2 else people[0])
    large, large_body = _statements(client, count_queries, manager_h, "page_size=50")
    assert len(large_body["items"]) == 50 and large_body["total"] == 60
    last, last_body = _statements(client, count_queries, manager_h, "page_size=50&page=2")
    assert len(last_body["items"]) == 10
    hundred, _ = _statements(client, count_queries, manager_h, "page_size=100")

    assert small == large == last == hundred
    assert large <= 3
