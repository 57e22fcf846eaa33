"""api.routing.LazyBuildRule: the URLs it builds are werkzeug's, and the build waits for first use."""

from __future__ import annotations

import uuid

import pytest
from werkzeug.routing import IntegerConverter, Map, Rule

from api import create_app
from api.incidents.routes import PublicIdConverter
from api.routing import LazyBuildRule

SAMPLE_PUBLIC_ID = uuid.UUID("0b7e3c52-5f0e-4b8e-9a4c-2f1d7c9e6a10")


@pytest.fixture(scope="module")
def fresh_app(database_url):
    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url})


def _sample(converter) -> object:
    if isinstance(converter, IntegerConverter):
        return 7
    if isinstance(converter, PublicIdConverter):
        return str(SAMPLE_PUBLIC_ID)
    return "sample-part"


def test_every_rule_is_lazy_until_a_url_is_built(fresh_app):
    rules = list(fresh_app.url_map.iter_rules())
    assert len(rules) > 50
    assert all(isinstance(rule, LazyBuildRule) for rule in rules)
    assert all(rule._build.__name__ == "build_on_first_use" for rule in rules)


def test_every_rule_builds_the_same_urls_as_werkzeugs_rule(fresh_app):
    rules = list(fresh_app.url_map.iter_rules())
    stock_map = Map(
        [Rule(r.rule, endpoint=r.endpoint, methods=r.methods, defaults=r.defaults) for r in rules],
        converters=fresh_app.url_map.converters,
    )
    for rule, stock in zip(rules, stock_map.iter_rules(), strict=True):
        values = {name: _sample(conv) for name, conv in rule._converters.items()}
        for append_unknown in (False, True):
            args = {**values, "page": 2, "q": "a b&c"} if append_unknown else values
            first = rule.build(args, append_unknown=append_unknown)  # compiles the builder
            again = rule.build(args, append_unknown=append_unknown)  # werkzeug's own, now
            assert first == again == stock.build(args, append_unknown=append_unknown)
        assert rule._build.__name__ != "build_on_first_use"
        assert rule._build_unknown.__name__ != "build_on_first_use"


def test_url_for_in_a_request_uses_the_lazy_rules(fresh_app):
    with fresh_app.test_request_context("/"):
        from flask import url_for

        assert url_for("tasks.get_task", task_id=12) == "/api/v1/tasks/12"
        assert url_for("tasks.list_tasks", page=3) == "/api/v1/tasks?page=3"
