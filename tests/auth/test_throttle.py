"""Sign-in throttling (api/auth/throttle.py): 5 failures in 15 minutes, per account and address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from api.auth.models import LoginAttempt
from tests.factories import PASSWORD

LOGIN = "/api/v1/auth/login"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def login(client, who: str, password: str, address: str):
    return client.post(
        LOGIN, json={"login": who, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def fail(client, who: str, times: int, first_address: int = 1) -> None:
    """`times` wrong passwords, each from its own address so that only the account counts."""
    for n in range(first_address, first_address + times):
        assert login(client, who, "wrong password", f"198.51.100.{n}").status_code == 401


def test_sixth_attempt_is_throttled_even_with_the_right_password(client, make):
    make.user(email="target@example.com")
    with time_machine.travel(START, tick=False):
        fail(client, "target@example.com", 5)
        response = login(client, "target@example.com", PASSWORD, "198.51.100.99")
    assert response.status_code == 429
    assert response.get_json() == {
        "code": 429,
        "status": "Too Many Requests",
        "message": "Too many failed sign-ins; try again later.",
    }
    assert response.headers["Retry-After"] == str(15 * 60)


def test_retry_after_counts_down_from_the_oldest_failure(client, make):
    make.user(email="target@example.com")
    with time_machine.travel(START, tick=False):
        fail(client, "target@example.com", 1)
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        fail(client, "target@example.com", 4, first_address=2)
        response = login(client, "target@example.com", PASSWORD, "198.51.100.99")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(10 * 60)


def test_throttle_ends_when_the_window_passes(client, make):
    make.user(email="target@example.com")
    with time_machine.travel(START, tick=False):
        fail(client, "target@example.com", 5)
    with time_machine.travel(START + timedelta(minutes=14, seconds=59), tick=False):
        assert login(client, "target@example.com", PASSWORD, "203.0.113.1").status_code == 429
    with time_machine.travel(START + timedelta(minutes=15), tick=False):
        response = login(client, "target@example.com", PASSWORD, "203.0.113.1")
    assert response.status_code == 200, response.get_json()
    assert "access_token" in response.get_json()


def test_success_clears_the_account_counter(client, make, db):
    user = make.user(email="target@example.com")
    with time_machine.travel(START, tick=False):
        fail(client, "target@example.com", 4)
        key = LoginAttempt.key == f"user:{user.id}"
        assert db.session.query(LoginAttempt).filter(key).count() == 4
        assert login(client, "target@example.com", PASSWORD, "198.51.100.50").status_code == 200
        assert db.session.query(LoginAttempt).filter(key).count() == 0
        # Four more failures: without the reset this would be nine, and throttled.
        fail(client, "target@example.com", 4, first_address=10)
        response = login(client, "target@example.com", PASSWORD, "198.51.100.51")
    assert response.status_code == 200


def test_throttle_is_per_account_and_case_insensitive(client, make):
    make.user(email="target@example.com")
    make.user(email="bystander@example.com")
    with time_machine.travel(START, tick=False):
        fail(client, "TARGET@example.com", 5)
        assert login(client, "target@example.com", PASSWORD, "203.0.113.9").status_code == 429
        assert login(client, "bystander@example.com", PASSWORD, "203.0.113.9").status_code == 200


def test_throttle_per_address_across_accounts(client, make):
    make.user(email="victim@example.com")
    with time_machine.travel(START, tick=False):
        for n in range(5):
            response = login(client, f"guess{n}@example.com", "wrong", "203.0.113.77")
            assert response.status_code == 401
        from_same = login(client, "victim@example.com", PASSWORD, "203.0.113.77")
        from_other = login(client, "victim@example.com", PASSWORD, "203.0.113.78")
    assert from_same.status_code == 429
    assert from_other.status_code == 200


def test_unknown_account_is_throttled_like_a_known_one(client, make):
    make.user(email="known@example.com")
    with time_machine.travel(START, tick=False):
        fail(client, "known@example.com", 5)
        fail(client, "ghost@example.com", 5, first_address=20)
        known = login(client, "known@example.com", "wrong", "203.0.113.5")
        ghost = login(client, "ghost@example.com", "wrong", "203.0.113.5")
    assert known.status_code == ghost.status_code == 429
    assert known.get_json() == ghost.get_json()
    assert known.headers["Retry-After"] == ghost.headers["Retry-After"]


def test_pending_account_with_the_right_password_gets_403_not_a_failure(client, make, db):
    make.user(email="waiting@example.com", status="pending")
    with time_machine.travel(START, tick=False):
        for n in range(6):
            response = login(client, "waiting@example.com", PASSWORD, f"198.51.100.{n + 1}")
            assert response.status_code == 403
            assert "awaiting approval" in response.get_json()["message"]
    assert db.session.query(LoginAttempt).count() == 0


def test_username_and_email_share_one_allowance(client, make, db):
    """Five failures in all, whichever identifier each used, from five addresses: throttled."""
    user = make.user(email="target@example.com", username="Target")
    identifiers = ["target@example.com", "Target", "TARGET@example.com", "target", " Target "]
    with time_machine.travel(START, tick=False):
        for n, identifier in enumerate(identifiers, start=1):
            response = login(client, identifier, "wrong password", f"198.51.100.{n}")
            assert response.status_code == 401
        for identifier in ("Target", "target@example.com"):
            response = login(client, identifier, PASSWORD, "198.51.100.99")
            assert response.status_code == 429, identifier
    keys = {row.key for row in db.session.query(LoginAttempt)}
    assert f"user:{user.id}" in keys
    assert not [key for key in keys if "target" in key.lower()]  # no per-identifier counters


def test_unknown_identifiers_count_per_address(client, make):
    make.user(email="target@example.com")
    with time_machine.travel(START, tick=False):
        for n in range(5):
            assert login(client, f"nobody{n}", "wrong", "203.0.113.7").status_code == 401
        assert login(client, "target@example.com", PASSWORD, "203.0.113.7").status_code == 429
        assert login(client, "target@example.com", PASSWORD, "203.0.113.8").status_code == 200
