"""Property-based conformance of the API to its own OpenAPI document (schemathesis).

For each role (admin, manager, employee, with tokens minted per role), every operation of
/api/v1/openapi.json gets SCHEMATHESIS_MAX_EXAMPLES generated requests that follow the spec
(positive) and as many that break it (negative), in-process through the WSGI app, from a fixed
seed. Every response must: not be a server error; use a status code, content type, headers and
body the spec documents for that operation; and refuse invalid input with a 4xx. One more check
is taskdesk's own (`required_body_is_required`): an operation whose document marks its request
body required answers 400 when the body is left out, the rest of the example kept.

The figures (operations, examples, failures) are printed for the record (`pytest -s`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from api.request_body import BODY_REQUIRED
from api.users.models import User, UserStatus

pytestmark = pytest.mark.fuzz

SEED = 20260307
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))
# The cron endpoints answer to CRON_SECRET, not to a user's token: every call is a documented
# 401, which says nothing about the API. They have their own tests (tests/notifications).
SKIPPED_PATHS = ("/api/v1/jobs/",)
# "Schema-valid data must be accepted" cannot hold for rules a JSON schema does not express:
# password strength (zxcvbn), email syntax and deliverability (email-validator), unique emails and
# usernames, allowed status transitions. Such requests get a documented 409 or 422 instead.
EXCLUDED_CHECKS = [schemathesis.checks.positive_data_acceptance]


@dataclass
class Figures:
    operations: int = 0
    examples: int = 0
    failures: list[str] = field(default_factory=list)
    bodies_checked: set[str] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=dict)  # per operation, both modes


def required_body_is_required(case, headers: dict[str, str], figures: Figures) -> None:
    """Once per operation with `requestBody.required`: the same call without a body is a 400."""
    operation = case.operation
    required = (operation.definition.raw.get("requestBody") or {}).get("required")
    if not required or operation.label in figures.bodies_checked:
        return
    figures.bodies_checked.add(operation.label)
    bare = operation.Case(path_parameters=case.path_parameters, query=case.query)
    response = bare.call(headers=headers)
    message = (response.json() or {}).get("message") if response.status_code == 400 else None
    if message != BODY_REQUIRED:
        figures.failures.append(
            f"required body {operation.label}: {response.status_code} {response.text[:300]}"
        )


def _fresh_headers(auth, make, holder: dict) -> dict[str, str]:
    """A new token for the role's user; a new user if an example deleted or disabled it."""
    user = holder["user"]
    from api.extensions import db

    current = db.session.get(User, user.id)
    if current is None or current.status != UserStatus.ACTIVE or current.role != user.role:
        holder["user"] = make.user(role=holder["role"])
    return auth.headers(holder["user"])


def _run_operation(operation, mode, auth, make, holder, figures: Figures) -> None:
    @seed(SEED)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        figures.examples += 1
        headers = _fresh_headers(auth, make, holder)
        try:
            case.call_and_validate(headers=headers, excluded_checks=EXCLUDED_CHECKS)
            if mode == GenerationMode.POSITIVE:
                required_body_is_required(case, headers, figures)
        except (Exception, BaseExceptionGroup) as failure:  # collected, asserted below
            figures.failures.append(
                f"{mode.value} {operation.label}: {type(failure).__name__}: "
                f"{str(failure).strip()[:1500]}"
            )

    try:
        run()
    except Unsatisfiable:  # nothing to break: the operation takes no input (negative mode)
        assert mode == GenerationMode.NEGATIVE


@pytest.mark.parametrize("role", ["admin", "manager", "employee"])
def test_every_operation_matches_the_spec(app, auth, make, role):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The API ignores query parameters it does not know (webargs' default for the query string,
    # and harmless: e.g. cache busters); the document does not promise to reject them.
    schema.config.generation.update(allow_extra_parameters=False)
    holder = {"role": role, "user": make.user(role=role)}
    figures = Figures()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(SKIPPED_PATHS) or operation.full_path.startswith(
            SKIPPED_PATHS
        ):
            continue
        figures.operations += 1
        started = time.monotonic()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run_operation(operation, mode, auth, make, holder, figures)
        figures.seconds[operation.label] = time.monotonic() - started
    slowest = sorted(figures.seconds.items(), key=lambda item: -item[1])[:5]
    print(  # the closing note's figures
        f"\nschemathesis as {role}: {figures.operations} operations, "
        f"{figures.examples} examples, {len(figures.bodies_checked)} required bodies checked, "
        f"{len(figures.failures)} failures; slowest: "
        + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in slowest)
    )
    assert figures.operations >= 30
    assert figures.examples >= figures.operations * 2
    assert len(figures.bodies_checked) >= 15  # every operation that documents a required body
    assert not figures.failures, "\n\n".join(figures.failures[:15])
