"""Configuration from the environment (shared/design.md §8).

`load_config` picks a settings class from `TASKDESK_ENV` (development | testing | production),
reads `.env` when python-dotenv finds one, and applies overrides given to `create_app`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

# Values that ship in the repository or in .env.example: never acceptable in production.
DEFAULT_SECRETS = frozenset(
    {
        "",
        "dev",
        "change-me",
        "dev-secret-key-for-a-laptop-only-0001",
        "dev-jwt-secret-key-for-a-laptop-only-01",
    }
)


class ConfigError(RuntimeError):
    """Raised when the configuration is not fit for the selected environment."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    raw = _env(name)
    try:
        return int(raw) if raw is not None else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _engine_options(url: str) -> dict[str, Any]:
    """Engine settings that suit Lambda: one connection per container, checked before use.

    MySQL closes idle connections after `wait_timeout` (8 hours by default, often 300 s on RDS
    Proxy idle client timeouts), so connections are recycled well below that. The ping before
    use and the rollback on return are api.pooling's (only after idleness; only once), so the
    pool's own are off.
    """
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    return {
        "pool_size": 1,
        "max_overflow": 2,
        "pool_pre_ping": False,
        "pool_reset_on_return": None,
        "pool_recycle": 280,
        "pool_timeout": 10,
    }


class BaseConfig:
    """Settings shared by every environment; values in seconds unless named otherwise."""

    ENV_NAME = "base"
    # Development only (issue 12): the console mailer logs each email's text part (links
    # included) and the outbox keeps a sent reset email's body, so that a laptop can finish a
    # password reset from `make run`'s terminal or the admin outbox. Elsewhere a body that held a
    # single-use credential is cleared once sent (api/notifications/delivery.py).
    MAIL_SHOW_BODIES = False
    DEBUG = False
    TESTING = False
    SECRET_KEY = "dev-secret-key-for-a-laptop-only-0001"
    JWT_SECRET_KEY = "dev-jwt-secret-key-for-a-laptop-only-01"
    SQLALCHEMY_DATABASE_URI = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # True on Lambda (serverless.yml): every new connection signs in with an IAM token to RDS
    # Proxy over verified TLS, no password (api/rds_iam.py).
    DATABASE_IAM_AUTH = False
    MAX_CONTENT_LENGTH = 1024 * 1024  # 1 MB; larger bodies answer 413.

    # JWT (RFC 7519): HS256 pinned, issuer and audience set and checked.
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]
    JWT_ENCODE_ISSUER = "taskdesk"
    JWT_DECODE_ISSUER = "taskdesk"
    JWT_ENCODE_AUDIENCE = "taskdesk-api"
    JWT_DECODE_AUDIENCE = "taskdesk-api"
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=15)
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=7)
    JWT_TOKEN_LOCATION = ["headers", "cookies"]
    JWT_ERROR_MESSAGE_KEY = "message"

    # Browser sessions (the web UI): the same JWTs in HttpOnly cookies. Every state-changing
    # cookie-authenticated request needs flask-jwt-extended's double-submit CSRF token (a form
    # field `csrf_token` or the X-CSRF-TOKEN header), on /api/v1 as in the UI. The refresh cookie
    # is sent to every page (path "/") because the UI refreshes an expired access token quietly
    # inside any page request, form posts included; it is HttpOnly and SameSite=Lax too.
    JWT_COOKIE_SECURE = True
    JWT_COOKIE_SAMESITE = "Lax"
    JWT_COOKIE_CSRF_PROTECT = True
    JWT_CSRF_CHECK_FORM = True
    JWT_ACCESS_COOKIE_PATH = "/"
    JWT_REFRESH_COOKIE_PATH = "/"
    SESSION_COOKIE_SECURE = True  # the Flask session carries flash messages only
    SESSION_COOKIE_SAMESITE = "Lax"
    HSTS_SECONDS = 63_072_000  # two years (RFC 6797); 0 sends no Strict-Transport-Security

    # flask-smorest / OpenAPI
    API_TITLE = "taskdesk"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    # Swagger UI is vendored from npm (scripts/vendor-assets.sh): no CDN, CSP-compatible.
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/"
    OPENAPI_SWAGGER_UI_CONFIG = {"tryItOutEnabled": True}

    # Sign-in throttling (OWASP ASVS 5.0 6.3.1): failures per account and per address.
    LOGIN_MAX_FAILURES = 5
    LOGIN_WINDOW_SECONDS = 15 * 60

    # Application
    APP_BASE_URL = "http://127.0.0.1:5000"
    DEFAULT_TIMEZONE = "UTC"
    REMINDER_HOUR = 10
    MAIL_BACKEND = "console"
    MAIL_FROM = "taskdesk <no-reply@taskdesk.local>"
    AWS_REGION = "us-east-1"
    SES_CONFIGURATION_SET = ""
    CORS_ORIGINS = ""  # comma-separated exact origins; empty: same-origin only (issue 7)
    CORS_SUPPORTS_CREDENTIALS = False  # true: listed origins may also use the cookie session
    # Rate limits (issue 7, api/limits.py): storage shared by every container in production.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_DEFAULT = "300 per minute"  # every /api/ request, per client address
    RATELIMIT_REGISTER = "10 per hour"  # per client address
    RATELIMIT_PASSWORD_RESET = "5 per hour"  # per account and per client address
    RATELIMIT_REPORT_EMAIL = "5 per hour"  # POST /reports/email per user
    RATELIMIT_CALENDAR = "60 per hour"  # GET /calendar/<token>.ics per feed
    # Caches (issue 7, api/cache.py): empty CACHE_TYPE follows RATELIMIT_STORAGE_URI.
    CACHE_TYPE = ""
    CACHE_REDIS_URL = ""
    CACHE_DEFAULT_TIMEOUT = 60
    STATS_CACHE_SECONDS = 60
    CRON_SECRET = ""
    LOG_LEVEL = "INFO"
    # Seconds a migration run waits for another one's lock (api/migrations/env.py); below the
    # migrate function's 300 s timeout, so a waiting run fails with a message, not a timeout.
    MIGRATION_LOCK_TIMEOUT = 240
    LOG_FORMAT = "json"  # json: one object per line, Lambda's keys (api/logs.py); or text
    PROXY_FIX_X_FOR = 0  # trusted proxies in front of the app that set X-Forwarded-For
    PASSWORD_HASH = "argon2"

    # Email outbox (issue 4): retry schedule, claims and backends.
    OUTBOX_MAX_ATTEMPTS = 8  # provider attempts before a row is marked dead
    OUTBOX_BACKOFF_BASE_SECONDS = 30  # next try after uniform(0, min(cap, base * 2**attempts))
    OUTBOX_BACKOFF_CAP_SECONDS = 3600
    # Lease of a claimed outbox row, on the database's clock (api/leases.py). Rule: longer than
    # the longest run that may hold a claim, i.e. above every job's timeout (serverless.yml:
    # reminders 600 s, reports 300 s, outbox 240 s, http 29 s; vercel.json maxDuration 30 s),
    # so a live run's rows are never taken over. A run without a timeout (`flask jobs` on a host)
    # that outlives it loses its unsent rows to the next run and, checking its claim before each
    # send, does not send them. It must also exceed one send (SES: connect 5 s + read 15 s; SMTP:
    # a few SMTP_TIMEOUT). The price: a claim that dies unsent waits this long for its retry.
    # tests/notifications/test_leases.py checks the rule against serverless.yml and vercel.json.
    OUTBOX_LEASE_SECONDS = 900
    OUTBOX_BATCH_SIZE = 100  # rows claimed per outbox job round
    MAIL_SEND_AFTER_COMMIT = True  # try queued mail right after the request commits
    # Outgoing webhooks (api/webhooks): delivered by the outbox job with the same leases.
    WEBHOOK_TIMEOUT_SECONDS = 5.0  # one POST, connect and answer together; redirects not followed
    WEBHOOK_RETRY_SECONDS = 24 * 3600  # retried this long after the event, then dead
    WEBHOOK_BACKOFF_BASE_SECONDS = 30  # next try after uniform(0, min(cap, base * 2**attempts))
    WEBHOOK_BACKOFF_CAP_SECONDS = 4 * 3600
    WEBHOOK_SEND_AFTER_COMMIT = True  # try new deliveries once the request's answer is sent
    # One outbox run delivers batches of WEBHOOK_BATCH_SIZE until WEBHOOK_RUN_SECONDS have gone
    # by: at worst 120 s + 10 x 5 s, inside the outbox function's 240 s (serverless.yml).
    WEBHOOK_BATCH_SIZE = 10
    WEBHOOK_RUN_SECONDS = 120
    # http:// targets and loopback, private or link-local addresses: development only (SSRF).
    WEBHOOK_ALLOW_LOCAL = False
    # Events on one task for one person within the same window of this many seconds become one
    # email (api/inbox/emails.py), sent when the window closes.
    NOTIFY_DIGEST_SECONDS = 300
    MAIL_MAX_SEND_RATE = 0.0  # emails per second; 0 reads the SES account's rate once per run
    SES_ENDPOINT_URL = ""  # empty: AWS; set for moto_server or a VPC endpoint
    SMTP_HOST = "localhost"
    SMTP_PORT = 587
    SMTP_USERNAME = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = True
    SMTP_TIMEOUT = 10
    PASSWORD_RESET_TTL = 30 * 60  # seconds a reset link stays valid (single use)
    # Seconds an incident email's acknowledge link stays valid (api/incidents/links.py).
    INCIDENT_ACK_LINK_TTL = 24 * 3600
    # Seconds an incident of each severity may stay unacknowledged before each escalation level
    # (level n after n times the delay; api/incidents/jobs.py); 0: never escalated.
    ESCALATE_AFTER_CRITICAL = 5 * 60
    ESCALATE_AFTER_HIGH = 15 * 60
    ESCALATE_AFTER_MEDIUM = 60 * 60
    ESCALATE_AFTER_LOW = 0
    REMINDER_BATCH_SIZE = 1000  # users per reminders batch
    # Reminders confirmed and settled together (delivery.send_claimed_in_chunks); a crash in the
    # middle of a chunk may send its reminders twice.
    REMINDER_SEND_CHUNK = 1000

    # Single sign-on (OpenID Connect; api/auth/oidc_settings.py reads the variables).
    OIDC_PROVIDERS: tuple[Any, ...] = ()  # api.auth.oidc_settings.Provider, in button order
    OIDC_AUTO_APPROVE_DOMAINS: tuple[str, ...] = ()  # new accounts there are active employees
    OIDC_HTTP_TIMEOUT = 10  # seconds for each request to a provider (discovery, JWKS, token)
    PASSWORD_SIGN_IN = "all"  # or "admins-only": everyone else signs in through a provider


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"
    DEBUG = True
    MAIL_SHOW_BODIES = True
    LOG_FORMAT = "text"
    # A laptop serves plain http://127.0.0.1:5000: cookies without Secure, no HSTS.
    JWT_COOKIE_SECURE = False
    SESSION_COOKIE_SECURE = False
    HSTS_SECONDS = 0
    WEBHOOK_ALLOW_LOCAL = True


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    LOG_FORMAT = "text"
    # Fast, still-argon2id parameters so that the suite is not dominated by hashing.
    PASSWORD_HASH = "argon2-fast"
    # The suite sends thousands of requests from one address: the limits stay wired but out of
    # reach; the `rate_limits` fixture (tests/conftest.py) puts the real values back.
    RATELIMIT_DEFAULT = "1000000 per minute"
    RATELIMIT_REGISTER = "1000000 per hour"
    RATELIMIT_PASSWORD_RESET = "1000000 per hour"
    RATELIMIT_REPORT_EMAIL = "1000000 per hour"
    RATELIMIT_CALENDAR = "1000000 per hour"
    # Webhook tests deliver by calling the job; no request reaches the network on its own.
    WEBHOOK_SEND_AFTER_COMMIT = False


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

_ENV_KEYS = (
    "SECRET_KEY",
    "JWT_SECRET_KEY",
    "MAIL_BACKEND",
    "MAIL_FROM",
    "AWS_REGION",
    "SES_CONFIGURATION_SET",
    "APP_BASE_URL",
    "DEFAULT_TIMEZONE",
    "CORS_ORIGINS",
    "RATELIMIT_STORAGE_URI",
    "RATELIMIT_DEFAULT",
    "RATELIMIT_REGISTER",
    "RATELIMIT_PASSWORD_RESET",
    "RATELIMIT_REPORT_EMAIL",
    "RATELIMIT_CALENDAR",
    "CACHE_TYPE",
    "CACHE_REDIS_URL",
    "CRON_SECRET",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "SES_ENDPOINT_URL",
    "SMTP_HOST",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
)
MIN_OUTBOX_LEASE_SECONDS = 60  # well above one provider call (SES: 5 s connect + 15 s read)

_INT_KEYS = (
    "OUTBOX_MAX_ATTEMPTS",
    "OUTBOX_BACKOFF_BASE_SECONDS",
    "OUTBOX_BACKOFF_CAP_SECONDS",
    "OUTBOX_LEASE_SECONDS",
    "OUTBOX_BATCH_SIZE",
    "SMTP_PORT",
    "SMTP_TIMEOUT",
    "PASSWORD_RESET_TTL",
    "INCIDENT_ACK_LINK_TTL",
    "ESCALATE_AFTER_CRITICAL",
    "ESCALATE_AFTER_HIGH",
    "ESCALATE_AFTER_MEDIUM",
    "ESCALATE_AFTER_LOW",
    "REMINDER_BATCH_SIZE",
    "REMINDER_SEND_CHUNK",
    "STATS_CACHE_SECONDS",
)


def _load_dotenv() -> None:
    if _env("TASKDESK_NO_DOTENV"):
        return
    from dotenv import load_dotenv  # only when a file may exist: keeps cold start small

    path = Path.cwd() / ".env"
    if path.is_file():
        load_dotenv(path, override=False)


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill `app.config` from the settings class, the environment and `overrides`.

    Raises ConfigError when production runs with a missing or default secret, or on SQLite.
    """
    _load_dotenv()
    env_name = (overrides or {}).get("ENV_NAME") or _env("TASKDESK_ENV", "development")
    if env_name not in CONFIGS:
        raise ConfigError(f"TASKDESK_ENV must be one of {sorted(CONFIGS)}, got {env_name!r}")
    app.config.from_object(CONFIGS[env_name])
    for key in _ENV_KEYS:
        value = _env(key)
        if value is not None:
            app.config[key] = value
    app.config["REMINDER_HOUR"] = _int("REMINDER_HOUR", app.config["REMINDER_HOUR"])
    app.config["PROXY_FIX_X_FOR"] = _int("PROXY_FIX_X_FOR", app.config["PROXY_FIX_X_FOR"])
    for key in _INT_KEYS:
        app.config[key] = _int(key, app.config[key])
    if _env("SMTP_STARTTLS") is not None:
        app.config["SMTP_STARTTLS"] = _env("SMTP_STARTTLS", "").lower() in ("1", "true", "yes")
    for key in ("RATELIMIT_ENABLED", "CORS_SUPPORTS_CREDENTIALS", "DATABASE_IAM_AUTH"):
        if _env(key) is not None:
            app.config[key] = _env(key, "").lower() in ("1", "true", "yes")
    if _env("MAIL_MAX_SEND_RATE") is not None:
        app.config["MAIL_MAX_SEND_RATE"] = float(_env("MAIL_MAX_SEND_RATE", "0"))
    _load_sso_settings(app, env_name)
    default_db = f"sqlite:///{Path(app.instance_path) / 'taskdesk.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = with_rds_ca(_env("DATABASE_URL", default_db))
    if overrides:
        app.config.update(overrides)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if not app.config["SQLALCHEMY_ENGINE_OPTIONS"]:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(url)
    if url.startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["OUTBOX_LEASE_SECONDS"] < MIN_OUTBOX_LEASE_SECONDS:
        raise ConfigError(
            f"OUTBOX_LEASE_SECONDS must be at least {MIN_OUTBOX_LEASE_SECONDS} "
            "(longer than every job's timeout; see api/config.py)"
        )
    if app.config["ENV_NAME"] == "production":
        _check_production(app.config)


# The Amazon RDS / RDS Proxy CA certificates, shipped with the app (scripts/rds-ca-bundle.js).
RDS_CA_BUNDLE = Path(__file__).resolve().parent / "certs" / "rds-ca-bundle.pem"
_SSL_CA_RDS = re.compile(r"([?&]ssl_ca=)rds(?=&|$)")


def with_rds_ca(url: str) -> str:
    """`ssl_ca=rds` in a database URL becomes the absolute path of RDS_CA_BUNDLE, wherever the
    app is installed (Lambda, Vercel, a container); any other URL is returned unchanged."""
    return _SSL_CA_RDS.sub(lambda m: m.group(1) + str(RDS_CA_BUNDLE), url)


def _load_sso_settings(app: Flask, env_name: str) -> None:
    """OIDC_* and PASSWORD_SIGN_IN from the environment; raises ConfigError naming the variable."""
    from api.auth.oidc_settings import OIDCConfigError, settings_from_env

    try:
        app.config.update(settings_from_env(os.environ, production=env_name == "production"))
    except OIDCConfigError as exc:
        raise ConfigError(str(exc)) from exc


def _check_production(config: Mapping[str, Any]) -> None:
    for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
        value = config.get(key) or ""
        if value in DEFAULT_SECRETS or len(value) < 32:
            raise ConfigError(f"{key} must be set to a random value of at least 32 characters")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise ConfigError("DATABASE_URL must point at MySQL in production, not SQLite")
    if config.get("PASSWORD_SIGN_IN") == "admins-only" and not config.get("OIDC_PROVIDERS"):
        raise ConfigError("PASSWORD_SIGN_IN=admins-only needs an OpenID provider (OIDC_ISSUER)")
