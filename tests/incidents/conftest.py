"""Fixtures for the incident tests."""

from __future__ import annotations

import pytest

from tests.incidents.helpers import ROLES, Cast


@pytest.fixture
def cast(make, auth) -> Cast:
    """The reporter, the assignee, another employee, a manager and an admin, signed in."""
    users = {name: make.user(role=role, username=name) for name, role in ROLES.items()}
    return Cast(users=users, headers={name: auth.headers(u) for name, u in users.items()})
