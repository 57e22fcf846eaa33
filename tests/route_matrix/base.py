"""The shape of a role x route matrix case, shared by every domain module of this package.

A domain module `tests/route_matrix/<domain>.py` exposes:

- `build(make, people) -> dict[str, Any]`: creates that domain's objects for one test. `people`
  holds the callers "employee", "manager" and "admin" (active), "pending" (a pending user whose
  token the server must refuse) and "other_employee" (active, never a caller). Returns the names
  used in case paths mapped to their values, e.g. {"own_task": 3, "others_task": 4}.
- `CASES: list[Case]`.
"""

from __future__ import annotations

from dataclasses import dataclass

CALLERS = ("anonymous", "pending", "employee", "manager", "admin")


@dataclass(frozen=True)
class Case:
    """One request and the status each caller must get.

    `path` has `{placeholders}` filled from the dict that the modules' `build()` return, e.g.
    "/api/v1/tasks/{own_task}". `expect` maps every name in CALLERS to an HTTP status code.
    `body` is sent as JSON when given; `label` tells cases on the same route apart
    ("own task", "others' task").
    """

    method: str
    path: str
    expect: dict[str, int]
    body: dict | None = None
    label: str = ""


def expect(anonymous: int, pending: int, employee: int, manager: int, admin: int) -> dict[str, int]:
    """Build an `expect` dict in CALLERS order, so a table row reads left to right."""
    return dict(zip(CALLERS, (anonymous, pending, employee, manager, admin), strict=True))
