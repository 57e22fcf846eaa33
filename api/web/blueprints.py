"""Which requests the UI answers: the names of the HTML blueprints, filled as the app factory
registers them (api/__init__.py `register_web_ui`). Imports no view."""

from __future__ import annotations

from flask import request

WEB_BLUEPRINTS: set[str] = set()


def is_web_endpoint(endpoint: str | None) -> bool:
    """True for an endpoint of a UI blueprint ("tasks_web.detail"), False for API or static."""
    return bool(endpoint) and endpoint.partition(".")[0] in WEB_BLUEPRINTS  # type: ignore[union-attr]


def is_web_request() -> bool:
    """True when this request is answered in HTML: a UI page, or an unknown path outside /api/.

    The blueprint decides (style.md: HTML or JSON is chosen by the blueprint); a path that
    matched no route has no blueprint, so the prefix decides for it.
    """
    if request.blueprint:
        return request.blueprint in WEB_BLUEPRINTS
    if request.url_rule is not None:  # the static route and app-level routes
        return request.url_rule.endpoint == "static"
    return not request.path.startswith("/api/")
