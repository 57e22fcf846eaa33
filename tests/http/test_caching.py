"""HTTP caching (api/http_cache.py) and the stats cache (api/cache.py).

ETags on single resources and list pages, 304 for If-None-Match, Cache-Control on reads and on
token responses; /stats cached per role and invalidated by task and incident commits, in-process
and through Redis across two apps.
"""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa

from api import cache as stats_cache
from api.tasks.models import Task, TaskStatus
from tests.factories import PASSWORD

FIGURE_TABLES = re.compile(r"\b(tasks|incidents)\b", re.IGNORECASE)


def test_task_read_answers_304_while_unchanged(client, auth, make, count_queries):
    manager, headers = auth.as_role("manager")
    task = make.task(created_by=manager, title="Rotate keys")
    first = client.get(f"/api/v1/tasks/{task.id}", headers=headers)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag == f'"task-{task.id}-v1"'
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert {"Authorization", "Cookie"} <= set(first.headers["Vary"].replace(" ", "").split(","))

    with count_queries() as counter:
        again = client.get(f"/api/v1/tasks/{task.id}", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    print(f"304 for an unchanged task: {counter.count} SQL statements")
    assert counter.count <= 3  # token checks and the task; nothing is serialized

    # Weak comparison (RFC 9110 §13.1.2): W/"..." and a list both match.
    weak = client.get(
        f"/api/v1/tasks/{task.id}", headers={**headers, "If-None-Match": f'"x", W/{etag}'}
    )
    assert weak.status_code == 304

    changed = client.patch(
        f"/api/v1/tasks/{task.id}",
        json={"title": "Rotate all keys"},
        headers={**headers, "If-Match": etag},
    )
    assert changed.status_code == 200
    assert changed.headers["ETag"] == f'"task-{task.id}-v2"'
    fresh = client.get(f"/api/v1/tasks/{task.id}", headers={**headers, "If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.json["title"] == "Rotate all keys"
    assert fresh.headers["ETag"] == changed.headers["ETag"]


def test_list_page_etag_is_the_hash_of_the_body(client, auth, make):
    manager, headers = auth.as_role("manager")
    make.task(created_by=manager)
    page = client.get("/api/v1/tasks?page_size=10", headers=headers)
    assert page.status_code == 200
    digest = hashlib.sha256(page.data).hexdigest()[:32]
    assert page.headers["ETag"] == f'"{digest}"'  # strong: no W/ prefix
    same = client.get(
        "/api/v1/tasks?page_size=10", headers={**headers, "If-None-Match": page.headers["ETag"]}
    )
    assert same.status_code == 304 and same.data == b""

    created = client.post("/api/v1/tasks", json={"title": "Another"}, headers=headers)
    assert created.status_code == 201
    changed = client.get(
        "/api/v1/tasks?page_size=10", headers={**headers, "If-None-Match": page.headers["ETag"]}
    )
    assert changed.status_code == 200
    assert changed.json["total"] == 2
    assert changed.headers["ETag"] != page.headers["ETag"]


def test_other_callers_never_get_a_304_for_someone_elses_page(client, auth, make):
    manager, headers = auth.as_role("manager")
    employee, employee_headers = auth.as_role("employee")
    ops = make.project("OPS", members={manager: "lead"})
    make.task(created_by=manager, title="Manager only", project=ops)
    managers_page = client.get("/api/v1/tasks", headers=headers)
    employees_page = client.get(
        "/api/v1/tasks",
        headers={**employee_headers, "If-None-Match": managers_page.headers["ETag"]},
    )
    assert employees_page.status_code == 200  # different body, different tag
    assert employees_page.headers["ETag"] != managers_page.headers["ETag"]


def test_errors_and_writes_carry_no_etag(client, auth):
    _user, headers = auth.as_role("manager")
    missing = client.get("/api/v1/tasks/999999", headers=headers)
    assert missing.status_code == 404 and "ETag" not in missing.headers
    anonymous = client.get("/api/v1/tasks", headers={"If-None-Match": "*"})
    assert anonymous.status_code == 401 and "ETag" not in anonymous.headers


def test_token_responses_are_not_stored(client, make):
    make.user(email="cache@example.com")
    login = client.post(
        "/api/v1/auth/login", json={"login": "cache@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200 and "access_token" in login.json
    assert login.headers["Cache-Control"] == "no-store"
    refresh = client.post(
        "/api/v1/auth/refresh",
        headers={"Authorization": f"Bearer {login.json['refresh_token']}"},
    )
    assert refresh.status_code == 200 and "access_token" in refresh.json
    assert refresh.headers["Cache-Control"] == "no-store"
    me = client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {refresh.json['access_token']}"}
    )
    assert me.status_code == 200 and me.headers["Cache-Control"] == "private, no-cache"
    health = client.get("/api/v1/health")
    assert health.headers["Cache-Control"] == "no-store" and "ETag" not in health.headers


def _stats(client, headers, **extra):
    return client.get("/api/v1/stats", headers={**headers, **extra})


def test_second_stats_read_costs_no_sql_statement_for_the_figures(
    client, auth, make, count_queries
):
    manager, headers = auth.as_role("manager")
    make.task(created_by=manager, assignee=manager)
    with count_queries() as first_read:
        first = _stats(client, headers)
    assert first.status_code == 200
    assert first.json["tasks"]["by_status"]["pending"] == 1
    computed = [s for s in first_read.statements if FIGURE_TABLES.search(s)]
    assert computed, "the first read computes the figures"

    with count_queries() as second_read:
        second = _stats(client, headers)
    assert second.status_code == 200 and second.json == first.json
    assert [s for s in second_read.statements if FIGURE_TABLES.search(s)] == []
    with count_queries() as auth_only:
        client.get("/api/v1/auth/me", headers=headers)
    # What remains is the token's own checks, the same as for any signed-in read.
    assert second_read.count == auth_only.count
    print(
        f"stats: first read {first_read.count} statements ({len(computed)} for the figures), "
        f"second read {second_read.count} (0 for the figures)"
    )

    unchanged = _stats(client, headers, **{"If-None-Match": second.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""


def test_stats_cache_is_per_role(client, auth, make, count_queries):
    _manager, manager_headers = auth.as_role("manager")
    _admin, admin_headers = auth.as_role("admin")
    _employee, employee_headers = auth.as_role("employee")
    make.task()
    assert _stats(client, manager_headers).status_code == 200
    with count_queries() as admins_first:
        assert _stats(client, admin_headers).status_code == 200
    assert any(FIGURE_TABLES.search(s) for s in admins_first.statements)
    denied = _stats(client, employee_headers)
    assert denied.status_code == 403 and "tasks" not in denied.json


def test_task_and_incident_changes_invalidate_the_stats(client, auth, make, db):
    manager, headers = auth.as_role("manager")
    assert _stats(client, headers).json["tasks"]["by_status"]["pending"] == 0

    created = client.post("/api/v1/tasks", json={"title": "Via the API"}, headers=headers)
    assert created.status_code == 201
    assert _stats(client, headers).json["tasks"]["by_status"]["pending"] == 1

    make.task(status=TaskStatus.IN_PROGRESS)  # an ORM commit outside any request
    assert _stats(client, headers).json["tasks"]["by_status"]["in_progress"] == 1

    db.session.execute(sa.update(Task).values(status=TaskStatus.COMPLETED))  # a bulk update
    db.session.commit()
    by_status = _stats(client, headers).json["tasks"]["by_status"]
    assert (by_status["pending"], by_status["completed"]) == (0, 2)

    before = _stats(client, headers).json["incidents"]
    reported = client.post(
        "/api/v1/incidents", json={"title": "Disk full", "severity": "high"}, headers=headers
    )
    assert reported.status_code == 201
    after = _stats(client, headers).json["incidents"]
    assert after != before

    db.session.execute(sa.update(Task).values(title="rolled back"))
    db.session.rollback()  # nothing committed: the cached figures stay valid
    assert db.session.info.get(stats_cache.CHANGED) is None


def test_stats_cache_in_redis_is_shared_and_invalidated_across_apps(
    make_app, redis_url, redis_db, auth, make
):
    first = make_app(RATELIMIT_STORAGE_URI=redis_url)
    second = make_app(RATELIMIT_STORAGE_URI=redis_url)
    assert first.config["CACHE_TYPE"] == "RedisCache"
    assert first.config["CACHE_REDIS_URL"] == redis_url
    _manager, headers = auth.as_role("manager")
    one, two = first.test_client(), second.test_client()
    assert _stats(one, headers).json["tasks"]["by_status"]["pending"] == 0
    assert any(key.startswith(b"taskdesk:stats:") for key in redis_db.keys("*"))

    created = two.post("/api/v1/tasks", json={"title": "From the other app"}, headers=headers)
    assert created.status_code == 201
    # The commit in `second` replaced the generation in Redis; `first` recomputes.
    assert _stats(one, headers).json["tasks"]["by_status"]["pending"] == 1


def test_cache_settings_follow_the_rate_limit_storage():
    assert stats_cache.cache_settings({"RATELIMIT_STORAGE_URI": "memory://"})["CACHE_TYPE"] == (
        "SimpleCache"
    )
    redis = stats_cache.cache_settings({"RATELIMIT_STORAGE_URI": "rediss://cache:6380/1"})
    assert redis["CACHE_TYPE"] == "RedisCache"
    assert redis["CACHE_REDIS_URL"] == "rediss://cache:6380/1"
    explicit = stats_cache.cache_settings(
        {
            "RATELIMIT_STORAGE_URI": "redis://limits:6379/0",
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": "redis://cache:6379/2",
        }
    )
    assert explicit["CACHE_REDIS_URL"] == "redis://cache:6379/2"
    assert stats_cache.cache_settings({"CACHE_TYPE": "NullCache"})["CACHE_TYPE"] == "NullCache"
