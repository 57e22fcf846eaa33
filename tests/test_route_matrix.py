"""The role x route matrix: every /api/v1 route, every caller, own and others' objects.

Each module of `tests/route_matrix` (except `base`) adds its `CASES`; every (case, caller) pair
runs against a fresh world built by every module's `build()`. `test_every_route_has_a_case`
fails when a route of the URL map has no case, so a new route cannot ship without its row.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

import pytest
from werkzeug.exceptions import HTTPException

import tests.route_matrix as matrix_package
from tests.route_matrix.base import CALLERS, Case

IGNORED_METHODS = {"HEAD", "OPTIONS"}
DOC_ENDPOINTS = {"api-docs.openapi_json", "api-docs.openapi_swagger_ui"}


def _modules() -> list[ModuleType]:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(matrix_package.__path__)
        if info.name != "base" and not info.name.startswith("_")
    )
    return [importlib.import_module(f"{matrix_package.__name__}.{name}") for name in names]


MODULES = _modules()
CASES: list[tuple[str, Case]] = [
    (module.__name__.rsplit(".", 1)[1], case) for module in MODULES for case in module.CASES
]


def _case_id(domain: str, case: Case) -> str:
    label = f" [{case.label}]" if case.label else ""
    return f"{domain}: {case.method} {case.path}{label}"


@pytest.fixture
def people(make) -> dict[str, Any]:
    """The callers plus a bystander employee; see tests/route_matrix/base.py."""
    return {
        "employee": make.user(role="employee"),
        "manager": make.user(role="manager"),
        "admin": make.user(role="admin"),
        "pending": make.user(role="employee", status="pending"),
        "other_employee": make.user(role="employee"),
    }


@pytest.fixture
def world(make, people) -> dict[str, Any]:
    """Every module's objects, merged; a name defined twice is an error in the modules."""
    values: dict[str, Any] = {}
    for module in MODULES:
        built = module.build(make, people)
        clash = set(built) & set(values)
        assert not clash, f"{module.__name__} redefines {sorted(clash)}"
        values.update(built)
    return values


def _headers(auth, people: dict[str, Any], caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    # For "pending" this mints a token for an account that is not active: it must be refused.
    return auth.headers(people[caller])


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    ("domain", "case"), CASES, ids=[_case_id(domain, case) for domain, case in CASES]
)
def test_route(client, auth, people, world, domain: str, case: Case, caller: str) -> None:
    path = case.path.format(**world)
    response = client.open(
        path, method=case.method, json=case.body, headers=_headers(auth, people, caller)
    )

    expected = case.expect[caller]
    assert response.status_code == expected, (
        f"{caller} {case.method} {path}: {response.status_code} {response.get_data(as_text=True)}"
    )
    if expected >= 400:
        body = response.get_json()
        assert body["code"] == expected
        assert isinstance(body["status"], str) and body["status"]
        assert isinstance(body["message"], str) and body["message"]
    if expected == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if expected == 204:
        assert response.get_data() == b""


@pytest.mark.parametrize(
    ("domain", "case"), CASES, ids=[_case_id(domain, case) for domain, case in CASES]
)
def test_case_names_every_caller(domain: str, case: Case) -> None:
    assert set(case.expect) == set(CALLERS), f"{domain}: {case.method} {case.path}"
    assert all(100 <= status <= 599 for status in case.expect.values())


def _api_routes(app) -> set[tuple[str, str]]:
    """(endpoint, method) of every /api/v1 rule except the OpenAPI document and docs pages."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint in DOC_ENDPOINTS:
            continue
        routes.update((rule.endpoint, method) for method in rule.methods - IGNORED_METHODS)
    return routes


def test_every_route_has_a_case(app, world) -> None:
    adapter = app.url_map.bind("localhost")
    covered: set[tuple[str, str]] = set()
    unresolved = []
    for domain, case in CASES:
        path = case.path.format(**world).partition("?")[0]  # a query string is not routed
        try:
            endpoint, _args = adapter.match(path, method=case.method)
        except HTTPException:
            unresolved.append(_case_id(domain, case))
            continue
        covered.add((endpoint, case.method))

    assert not unresolved, f"cases that match no route: {unresolved}"
    missing = sorted(_api_routes(app) - covered)
    assert not missing, f"routes with no matrix case: {missing}"


def test_matrix_sees_the_core_routes(app) -> None:
    """Guard the guard: the URL map walk finds the routes it must cover."""
    routes = _api_routes(app)
    assert ("tasks.delete_task", "DELETE") in routes
    assert ("auth.login", "POST") in routes
    assert not any(endpoint in DOC_ENDPOINTS for endpoint, _ in routes)
