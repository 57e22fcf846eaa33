"""Rate limits (api/limits.py) on memory:// and on the real Redis at 127.0.0.1:6379.

Each behaviour runs twice: on the session app with in-memory counters (the `rate_limits`
fixture puts the production limits back), and on an app whose RATELIMIT_STORAGE_URI is the tests'
Redis database. A last group shows why production needs Redis: two apps (two Lambda containers)
share the counters through Redis and do not through memory.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from api import limits
from api.notifications.models import EmailKind, OutboxEmail
from api.users.models import User
from tests.conftest import REAL_RATE_LIMITS
from tests.factories import PASSWORD

A = "203.0.113.10"
B = "203.0.113.20"


@pytest.fixture(params=["memory", "redis"])
def limited(request, app, rate_limits, make_app):
    """A test client whose app enforces the real limits, in memory or in Redis."""
    if request.param == "memory":
        return app.test_client()
    request.getfixturevalue("redis_db")
    other = make_app(RATELIMIT_STORAGE_URI=request.getfixturevalue("redis_url"))
    return other.test_client()


def _register(client, n: int, address: str):
    return client.post(
        "/api/v1/auth/register",
        json={"email": f"new{n}@example.com", "username": f"new{n}", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": address},
    )


def _assert_429(response, limit: int) -> None:
    assert response.status_code == 429
    assert response.json["code"] == 429
    assert response.json["status"] == "Too Many Requests"
    assert response.json["message"].startswith("Too many ")
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) > 0


def _users(db) -> int:
    db.session.rollback()  # a fresh snapshot: the Redis case writes through another app
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_registration_is_limited_per_address(limited, db):
    for n in range(10):
        response = _register(limited, n, A)
        assert response.status_code == 202, response.json
    assert response.headers["X-RateLimit-Limit"] == "10"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    over = _register(limited, 10, A)
    _assert_429(over, 10)
    assert "registrations from this address" in over.json["message"]
    assert _users(db) == 10  # the refused request created nobody
    assert _register(limited, 11, B).status_code == 202
    assert _users(db) == 11


def test_invalid_registrations_count_too(limited, db):
    for _ in range(10):
        bad = limited.post("/api/v1/auth/register", json={}, environ_base={"REMOTE_ADDR": A})
        assert bad.status_code == 422
    _assert_429(_register(limited, 1, A), 10)
    assert _users(db) == 0


def _reset(client, email: str, address: str):
    return client.post(
        "/api/v1/auth/password-reset", json={"email": email}, environ_base={"REMOTE_ADDR": address}
    )


def test_password_reset_is_limited_per_account(limited, make):
    make.user(email="target@example.com")
    for n in range(5):
        assert _reset(limited, "Target@Example.com", f"198.51.100.{n}").status_code == 202
    over = _reset(limited, "target@example.com", "198.51.100.99")
    _assert_429(over, 5)
    assert "for this account" in over.json["message"]
    # Another account from that fresh address is still served.
    assert _reset(limited, "other@example.com", "198.51.100.99").status_code == 202


def test_password_reset_is_limited_per_address(limited):
    for n in range(5):
        assert _reset(limited, f"person{n}@example.com", A).status_code == 202
    over = _reset(limited, "person9@example.com", A)
    _assert_429(over, 5)
    assert "from this address" in over.json["message"]
    assert _reset(limited, "person9@example.com", B).status_code == 202


def test_report_email_is_limited_per_user(limited, auth, db):
    manager, headers = auth.as_role("manager")
    _employee, employee_headers = auth.as_role("employee")
    # Refused requests (403) are not counted against anyone.
    assert limited.post("/api/v1/reports/email", headers=employee_headers).status_code == 403
    for _ in range(5):
        response = limited.post("/api/v1/reports/email", headers=headers)
        assert response.status_code == 202 and response.json["recipient"] == manager.email
    over = limited.post("/api/v1/reports/email", headers=headers, environ_base={"REMOTE_ADDR": B})
    _assert_429(over, 5)
    assert over.json["message"] == (
        "Too many report emails: at most 5 per hour. Try again after Retry-After seconds."
    )
    _other, other_headers = auth.as_role("admin")
    assert limited.post("/api/v1/reports/email", headers=other_headers).status_code == 202
    db.session.rollback()
    rows = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.SUMMARY_REPORT)
    ).all()
    assert len(rows) == 6


def test_default_limit_per_address_on_the_api_only(limited, auth, app):
    app_under_test = limited.application
    app_under_test.config["RATELIMIT_DEFAULT"] = "3 per minute"
    try:
        _user, headers = auth.as_role("employee")
        for _ in range(3):
            ok = limited.get("/api/v1/tasks", headers=headers, environ_base={"REMOTE_ADDR": A})
            assert ok.status_code == 200
        assert ok.headers["X-RateLimit-Limit"] == "3"
        _assert_429(
            limited.get("/api/v1/tasks", headers=headers, environ_base={"REMOTE_ADDR": A}), 3
        )
        assert (
            limited.get(
                "/api/v1/tasks", headers=headers, environ_base={"REMOTE_ADDR": B}
            ).status_code
            == 200
        )
        for _ in range(5):  # the health check and the UI are not counted
            assert limited.get("/api/v1/health", environ_base={"REMOTE_ADDR": A}).status_code == 200
            page = limited.get("/sign-in", environ_base={"REMOTE_ADDR": A})
            assert page.status_code == 200 and "X-RateLimit-Limit" not in page.headers
    finally:
        app_under_test.config["RATELIMIT_DEFAULT"] = REAL_RATE_LIMITS["RATELIMIT_DEFAULT"]


def _ui_register(client, n: int, address: str):
    form = client.get("/register", environ_base={"REMOTE_ADDR": address})
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True))
    assert token, "the registration form carries a CSRF token"
    return client.post(
        "/register",
        data={
            "csrf_token": token.group(1),
            "email": f"ui{n}@example.com",
            "username": f"uiuser{n}",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
        environ_base={"REMOTE_ADDR": address},
    )


def test_ui_registration_form_is_limited_per_address(limited, db):
    for n in range(10):
        assert _ui_register(limited, n, A).status_code == 302
    refused = _ui_register(limited, 10, A)
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert "Retry-After" in refused.headers
    db.session.rollback()
    assert db.session.scalar(sa.select(User).where(User.email == "ui10@example.com")) is None
    assert _ui_register(limited, 11, B).status_code == 302


def _ui_reset(client, email: str, address: str):
    form = client.get("/password-reset", environ_base={"REMOTE_ADDR": address})
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True))
    assert token, "the reset form carries a CSRF token"
    return client.post(
        "/password-reset",
        data={"csrf_token": token.group(1), "email": email},
        environ_base={"REMOTE_ADDR": address},
    )


def test_ui_reset_form_is_limited_per_account_and_per_address(limited):
    for n in range(5):
        assert _ui_reset(limited, "target@example.com", f"198.51.100.{n}").status_code == 302
    by_account = _ui_reset(limited, "target@example.com", B)  # a fresh address, same account
    assert by_account.status_code == 429 and by_account.mimetype == "text/html"
    assert "Retry-After" in by_account.headers
    for n in range(5):
        assert _ui_reset(limited, f"other{n}@example.com", A).status_code == 302
    assert _ui_reset(limited, "sixth@example.com", A).status_code == 429  # the address is spent


def test_redis_holds_the_counters_across_containers(make_app, redis_url, redis_db):
    first = make_app(RATELIMIT_STORAGE_URI=redis_url).test_client()
    second = make_app(RATELIMIT_STORAGE_URI=redis_url).test_client()
    for n in range(5):
        assert _register(first, n, A).status_code == 202
    for n in range(5, 10):
        assert _register(second, n, A).status_code == 202
    _assert_429(_register(first, 10, A), 10)
    _assert_429(_register(second, 10, A), 10)
    keys = [key.decode() for key in redis_db.keys("*")]  # the counters live in Redis
    assert keys and all(key.startswith("LIMITS:LIMITER/taskdesk/") for key in keys), keys


def test_memory_counters_do_not_cross_containers(make_app):
    first = make_app(RATELIMIT_STORAGE_URI="memory://").test_client()
    second = make_app(RATELIMIT_STORAGE_URI="memory://").test_client()
    for n in range(10):
        assert _register(first, n, A).status_code == 202
    _assert_429(_register(first, 10, A), 10)
    # The other "container" has its own memory: this is why production needs Redis.
    assert _register(second, 11, A).status_code == 202


def test_limits_can_be_switched_off(make_app):
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    for n in range(12):
        response = _register(client, n, A)
        assert response.status_code == 202
        assert "X-RateLimit-Limit" not in response.headers
    assert limits.get_limiter(client.application).enabled is False


def test_the_sign_in_throttle_stays_in_the_database(limited, make):
    make.user(email="who@example.com")
    for _ in range(5):
        response = limited.post(
            "/api/v1/auth/login",
            json={"login": "who@example.com", "password": "wrong-password-1"},
            environ_base={"REMOTE_ADDR": A},
        )
        assert response.status_code == 401
    throttled = limited.post(
        "/api/v1/auth/login",
        json={"login": "who@example.com", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": A},
    )
    assert throttled.status_code == 429
    assert "X-RateLimit-Limit" in throttled.headers  # the default limit's headers
    assert throttled.headers["X-RateLimit-Limit"] == "300"
