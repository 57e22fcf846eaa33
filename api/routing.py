"""URL rules that compile their URL builders on first use, not while the app is built.

Werkzeug compiles two builder functions for every rule (generated Python source, passed through
`compile`) as the rule joins the URL map. taskdesk has about 70 rules, and a request builds a
handful of URLs at most (the UI's links and redirects, the API's Location headers), so that
work was about a tenth of a Lambda cold start: 25 ms of `import handlers.http`. Matching is
untouched: the rule's regular expression is still compiled when it is added.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.routing import Rule


class LazyBuildRule(Rule):
    """A werkzeug Rule whose `_build` / `_build_unknown` are compiled by their first call.

    Each stand-in compiles the real builder with werkzeug's own `_compile_builder`, binds it to
    the rule in its place and returns its result, so every later build calls werkzeug's builder
    directly. Two threads racing on a first build compile the same builder twice; both results
    are equal. tests/http/test_routing.py builds every rule both ways and compares.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compile_builder = super()._compile_builder
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_on_first_use(rule: Rule, **values: Any) -> tuple[str, str]:
            builder = compile_builder(append_unknown).__get__(rule, None)
            setattr(rule, attribute, builder)
            return builder(**values)

        return build_on_first_use


class LazyRoutingFlask(Flask):
    """Flask whose every URL rule, the static files' rule included, is a LazyBuildRule."""

    url_rule_class = LazyBuildRule
