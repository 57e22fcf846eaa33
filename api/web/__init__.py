"""The server-rendered UI (shared/design.md §5): shared pieces for every domain's `views.py`.

Each domain's HTML blueprint lives next to its JSON one (`api/tasks/views.py` beside
`api/tasks/routes.py`) and calls the same service functions. This package holds what they share:
cookie sessions and CSRF (`session`), form parsing through the API's schemas (`forms`), template
filters (`filters`), server-rendered charts (`charts`) and the HTML error pages (`errors`).
"""

from __future__ import annotations

from flask import Flask, Response, request

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


def register_web(app: Flask) -> None:
    """Register the UI blueprints, their session hooks and the template helpers."""
    from api.auth.oidc_views import blp as oidc_web
    from api.auth.views import blp as auth_web
    from api.incidents.views import blp as incidents_web
    from api.notifications.views import blp as outbox_web
    from api.stats.views import blp as stats_web
    from api.tasks.views import blp as tasks_web
    from api.users.views import blp as users_web
    from api.web import filters, session
    from api.web.views import blp as web

    for blueprint in (
        web,
        auth_web,
        oidc_web,
        tasks_web,
        incidents_web,
        users_web,
        outbox_web,
        stats_web,
    ):
        app.register_blueprint(blueprint)
        WEB_BLUEPRINTS.add(blueprint.name)

    @app.before_request
    def _web_session() -> None:
        if request.url_rule is not None and request.url_rule.endpoint == "static":
            return
        if is_web_request():
            session.resolve_session()
            if request.blueprint in WEB_BLUEPRINTS:
                session.check_csrf()

    @app.after_request
    def _web_cookies(response: Response) -> Response:
        if is_web_request():
            session.finish_session(response)
            session.finish_form_cookie(response)
        return response

    filters.register(app)
