"""taskdesk: a Flask service where a team runs its tasks and incidents."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request

from api.config import load_config
from api.jsonio import JSONProvider
from api.routing import LazyRoutingFlask

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the WSGI application; `config` overrides everything (tests use it)."""
    app = LazyRoutingFlask(__name__, instance_relative_config=True)
    app.json = JSONProvider(app)
    load_config(app, config)
    configure_logging(app)
    register_proxy_fix(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_web_ui(app)
    register_http_surface(app)
    register_security_headers(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def configure_logging(app: Flask) -> None:
    """LOG_LEVEL and LOG_FORMAT (json or text) through api.logs.configure (see there)."""
    from api import logs

    logs.configure(str(app.config["LOG_LEVEL"]), str(app.config["LOG_FORMAT"]).lower())


def register_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-For from exactly PROXY_FIX_X_FOR proxies (0: none, the default)."""
    hops = app.config["PROXY_FIX_X_FOR"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=1, x_host=1)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    from api.auth.tokens import register_jwt_callbacks
    from api.extensions import api, db, jwt

    db.init_app(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if app.config["DATABASE_IAM_AUTH"] and url.startswith("mysql"):
        from api import rds_iam

        auth = app.extensions.setdefault(rds_iam.EXTENSION, rds_iam.IamAuth())
        with app.app_context():
            rds_iam.install(db.engine, auth)
    if app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_reset_on_return", "rollback") is None:
        from api import pooling

        with app.app_context():
            pooling.install(db.engine)
    jwt.init_app(app)
    register_jwt_callbacks(app)
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "security": [{"bearerAuth": []}, {"personalToken": []}],
            "info": {"description": "taskdesk JSON API. Errors share one envelope."},
        },
    )
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    api.spec.components.security_scheme(
        "personalToken",
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "tdp_…",
            "description": (
                "A personal access token (POST /api/v1/auth/tokens), sent as "
                "`Authorization: Bearer tdp_…`. It acts as its owner limited to its scopes: "
                "tasks:read (tasks, projects, comments), tasks:write (create, edit, assign, "
                "comment; implies tasks:read), incidents:read, incidents:write (report, respond, "
                "triage; implies incidents:read), admin (users, projects, stats, outbox; "
                "administrators only). A route outside the scopes answers 403 naming the "
                "missing scope; token, password and session routes refuse personal tokens."
            ),
        },
    )


def register_blueprints(app: Flask) -> None:
    from api.auth.routes import blp as auth
    from api.calendars.routes import blp as calendar
    from api.calendars.routes import feed_blp as calendar_feed
    from api.comments.routes import blp as comments
    from api.cron import blp as jobs
    from api.exchange.routes import blp as exchange
    from api.extensions import api, db
    from api.health import blp as health
    from api.inbox.routes import blp as inbox
    from api.incidents.routes import PublicIdConverter, public_id_schema
    from api.incidents.routes import blp as incidents
    from api.notifications import after_response
    from api.notifications import service as notifications
    from api.notifications.routes import blp as outbox
    from api.projects.routes import blp as projects
    from api.reports.routes import blp as reports
    from api.saved_views.routes import blp as views
    from api.search.routes import blp as search
    from api.security import register_id_converter
    from api.stats.routes import blp as stats
    from api.tasks import counters as task_counters
    from api.tasks.routes import blp as tasks
    from api.users.routes import blp as users
    from api.webhooks import delivery as webhooks
    from api.webhooks.routes import blp as webhook_routes

    register_id_converter(app)  # before the first rule: ids beyond BIGINT answer 404
    app.url_map.converters["public_id"] = PublicIdConverter
    api.register_converter(PublicIdConverter, public_id_schema)
    for blueprint in (auth, users, projects, tasks, comments, incidents, inbox, stats, health):
        api.register_blueprint(blueprint)
    for blueprint in (views, search):
        api.register_blueprint(blueprint)
    for blueprint in (outbox, webhook_routes, reports, jobs):
        api.register_blueprint(blueprint)
    for blueprint in (calendar, exchange):  # the calendar URL, CSV export and import
        api.register_blueprint(blueprint)
    app.register_blueprint(calendar_feed)  # /calendar/<token>.ics: the token, no JWT
    notifications.init_app(app)  # send queued email after the request commits
    webhooks.init_app(app)  # deliver new webhook events once the answer is sent
    task_counters.install(db.session)  # task counts move in every write's transaction
    after_response.init_app(app)  # work that waits until the answer is sent


def register_web_ui(app: Flask) -> None:
    """The server-rendered UI: HTML blueprints, cookie sessions, template helpers."""
    from api.auth.oidc_views import blp as oidc_web
    from api.auth.views import blp as auth_web
    from api.calendars.views import blp as calendars_web
    from api.comments.views import blp as comments_web
    from api.exchange.views import blp as exchange_web
    from api.inbox.views import blp as inbox_web
    from api.incidents.review_views import blp as incident_review_web
    from api.incidents.views import blp as incidents_web
    from api.notifications.views import blp as outbox_web
    from api.projects.views import blp as projects_web
    from api.saved_views.views import blp as views_web
    from api.search.views import blp as search_web
    from api.stats.views import blp as stats_web
    from api.status.views import blp as status_web
    from api.tasks.tool_views import blp as task_tools_web
    from api.tasks.views import blp as tasks_web
    from api.users.views import blp as users_web
    from api.web import errors, filters, session
    from api.web.blueprints import WEB_BLUEPRINTS
    from api.web.views import blp as web
    from api.webhooks.views import blp as webhooks_web

    blueprints = (
        web,
        auth_web,
        oidc_web,
        tasks_web,
        task_tools_web,
        comments_web,
        inbox_web,
        projects_web,
        incidents_web,
        incident_review_web,
        users_web,
        outbox_web,
        webhooks_web,
        stats_web,
        exchange_web,
        calendars_web,
        views_web,
        search_web,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
        WEB_BLUEPRINTS.add(blueprint.name)
    # Public and the same for everyone: not a UI blueprint, so no session cookie is read or set.
    app.register_blueprint(status_web)
    session.register(app)
    filters.register(app)
    errors.register(app)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)


def _favicon() -> Response:
    """/favicon.ico, which browsers and bookmarks ask for whatever the page links: taskdesk's
    SVG icon (every current browser draws an SVG favicon), cached for a day."""
    from flask import send_from_directory

    response = send_from_directory(
        Path(__file__).parent / "static" / "img",
        "favicon.svg",
        mimetype="image/svg+xml",
        max_age=86_400,
    )
    return response


def register_http_surface(app: Flask) -> None:
    """Request guard (TRACE, 413), body checks, CORS, rate limits, stats cache, HTTP caching."""
    from api import cache, limits, request_body
    from api.http_cache import register_http_caching
    from api.security import register_cors, register_request_guard

    register_request_guard(app)
    register_http_caching(app)  # before CORS: it runs after it and merges its Vary header
    register_cors(app)
    limits.init_app(app)
    request_body.init_app(app)  # after the rate limits: refused bodies still count
    limits.attach_named_limits(app)  # after the blueprints: it wraps their view functions
    cache.init_app(app)


def register_security_headers(app: Flask) -> None:
    from api.security import register_security_headers as register

    register(app)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        context = request.environ.get("serverless.context")
        lambda_id = getattr(context, "aws_request_id", None)
        g.request_id = given if REQUEST_ID.match(given) else lambda_id or uuid.uuid4().hex

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        # werkzeug's make_conditional (ETags, send_file) adds a Date field; the HTTP server
        # (werkzeug, gunicorn, API Gateway) sends its own, and a response carries one Date
        # (RFC 9110 §6.6.1). Registered first, this hook runs after every other one.
        response.headers.pop("Date", None)
        return response


def register_error_handlers(app: Flask) -> None:
    from api import outage
    from api.errors import register_error_handlers as register

    register(app)
    outage.register(app)  # a database out of reach answers 503, not 500


def register_commands(app: Flask) -> None:
    from api.cli import register

    register(app)
