"""Matrix cases for the bulk task change (POST /api/v1/tasks/bulk).

Every signed-in caller may send one: each task is then checked on its own, and the answer
(200) reports each id (tests/tasks/test_bulk.py has the per-id outcomes). Ids nobody sees
answer `not_found` inside a 200. Bad input is 422 for every signed-in caller.
"""

from __future__ import annotations

from typing import Any

from api.users.models import User
from tests.route_matrix.base import Case, expect

MISSING = 999_999_998
URL = "/api/v1/tasks/bulk"


def build(make: Any, people: dict[str, User]) -> dict[str, Any]:
    """Nothing of its own: the cases name ids that do not exist."""
    return {}


def signed_in(code: int) -> dict[str, int]:
    return expect(401, 401, code, code, code)


CASES = [
    Case("POST", URL, signed_in(200), body={"ids": [MISSING], "set": {"priority": "high"}}),
    Case("POST", URL, signed_in(200), body={"ids": [MISSING], "delete": True}, label="delete"),
    Case(
        "POST",
        URL,
        signed_in(422),
        body={"ids": list(range(1, 102)), "set": {"priority": "high"}},
        label="101 ids",
    ),
    Case(
        "POST", URL, signed_in(422), body={"ids": [MISSING], "set": {"owner": 1}}, label="unknown"
    ),
    Case(
        "POST",
        URL,
        signed_in(422),
        body={"ids": [MISSING], "set": {"priority": "high"}, "delete": True},
        label="set and delete",
    ),
]
