"""Configuration from the environment (shared/design.md §8).

`load_config` picks a settings class from `TASKDESK_ENV` (development | testing | production),
reads `.env` when python-dotenv finds one, and applies overrides given to `create_app`.
"""

from __future__ import annotations

import os
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
    Proxy idle client timeouts), so connections are recycled well below that.
    """
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    return {
        "pool_size": 1,
        "max_overflow": 2,
        "pool_pre_ping": True,
        "pool_recycle": 280,
        "pool_timeout": 10,
    }


class BaseConfig:
    """Settings shared by every environment; values in seconds unless named otherwise."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False
    SECRET_KEY = "dev-secret-key-for-a-laptop-only-0001"
    JWT_SECRET_KEY = "dev-jwt-secret-key-for-a-laptop-only-01"
    SQLALCHEMY_DATABASE_URI = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    MAX_CONTENT_LENGTH = 1024 * 1024  # 1 MB; larger bodies answer 413.
    JSON_SORT_KEYS = False

    # JWT (RFC 7519): HS256 pinned, issuer and audience set and checked.
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]
    JWT_ENCODE_ISSUER = "taskdesk"
    JWT_DECODE_ISSUER = "taskdesk"
    JWT_ENCODE_AUDIENCE = "taskdesk-api"
    JWT_DECODE_AUDIENCE = "taskdesk-api"
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=15)
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=7)
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_ERROR_MESSAGE_KEY = "message"

    # flask-smorest / OpenAPI
    API_TITLE = "taskdesk"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/static/"

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
    CORS_ORIGINS = ""
    RATELIMIT_STORAGE_URI = "memory://"
    CRON_SECRET = ""
    LOG_LEVEL = "INFO"
    PROXY_FIX_X_FOR = 0  # trusted proxies in front of the app that set X-Forwarded-For
    PASSWORD_HASH = "argon2"


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"
    DEBUG = True


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    # Fast, still-argon2id parameters so that the suite is not dominated by hashing.
    PASSWORD_HASH = "argon2-fast"


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
    "CRON_SECRET",
    "LOG_LEVEL",
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
    default_db = f"sqlite:///{Path(app.instance_path) / 'taskdesk.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = _env("DATABASE_URL", default_db)
    if overrides:
        app.config.update(overrides)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if not app.config["SQLALCHEMY_ENGINE_OPTIONS"]:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(url)
    if url.startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["ENV_NAME"] == "production":
        _check_production(app.config)


def _check_production(config: Mapping[str, Any]) -> None:
    for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
        value = config.get(key) or ""
        if value in DEFAULT_SECRETS or len(value) < 32:
            raise ConfigError(f"{key} must be set to a random value of at least 32 characters")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise ConfigError("DATABASE_URL must point at MySQL in production, not SQLite")
