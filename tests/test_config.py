"""Configuration: production refuses unsafe settings (api.config.ConfigError)."""

from __future__ import annotations

import pytest
from flask import Flask

from api import create_app
from api.config import DEFAULT_SECRETS, ConfigError, load_config

STRONG = "k3Jx9-VbQw2Lr8TnZp5Ys1Hd7Fm4Gc6A"  # 34 characters
STRONG_JWT = "Zq8Wn2Pt5Rv9Lx3Ks7Hb1Mc4Jd6Fg0Ae"
MYSQL = "mysql+pymysql://taskdesk:pw@db.internal:3306/taskdesk?charset=utf8mb4"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("TASKDESK_ENV", "SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL", "REMINDER_HOUR"):
        monkeypatch.delenv(name, raising=False)


def production(**overrides):
    config = {
        "ENV_NAME": "production",
        "SECRET_KEY": STRONG,
        "JWT_SECRET_KEY": STRONG_JWT,
        "SQLALCHEMY_DATABASE_URI": MYSQL,
    }
    config.update(overrides)
    return config


def load(config) -> Flask:
    app = Flask("config_test")
    load_config(app, config)
    return app


def test_production_accepts_strong_secrets_and_mysql():
    app = create_app(production())
    assert app.config["ENV_NAME"] == "production"
    assert app.config["DEBUG"] is False and app.config["TESTING"] is False
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_size"] == 1 and options["pool_recycle"] < 300
    assert (
        options["pool_pre_ping"] is False and options["pool_reset_on_return"] is None
    )  # api.pooling


@pytest.mark.parametrize("key", ["SECRET_KEY", "JWT_SECRET_KEY"])
@pytest.mark.parametrize("value", [*sorted(DEFAULT_SECRETS), "x" * 31, None])
def test_production_refuses_default_or_short_secrets(key, value):
    with pytest.raises(ConfigError, match=key):
        load(production(**{key: value}))


def test_production_secret_of_32_characters_is_enough():
    load(production(SECRET_KEY="s" * 32, JWT_SECRET_KEY="j" * 32))


def test_production_refuses_the_shipped_defaults_when_nothing_is_set():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load({"ENV_NAME": "production", "SQLALCHEMY_DATABASE_URI": MYSQL})


@pytest.mark.parametrize("url", ["sqlite:///taskdesk.db", "sqlite://", None])
def test_production_refuses_sqlite(url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    config = production()
    if url is None:
        del config["SQLALCHEMY_DATABASE_URI"]  # the default is a SQLite file
    else:
        config["SQLALCHEMY_DATABASE_URI"] = url
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load(config)


def test_production_from_the_environment(monkeypatch):
    monkeypatch.setenv("TASKDESK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("JWT_SECRET_KEY", STRONG_JWT)
    monkeypatch.setenv("DATABASE_URL", MYSQL)
    app = load(None)
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == MYSQL

    monkeypatch.setenv("JWT_SECRET_KEY", "change-me")
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        load(None)


def test_development_allows_the_laptop_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = load({"ENV_NAME": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SECRET_KEY"] in DEFAULT_SECRETS


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("TASKDESK_ENV", "staging")
    with pytest.raises(ConfigError, match="TASKDESK_ENV"):
        load(None)


def test_bad_integer_is_refused(monkeypatch):
    monkeypatch.setenv("REMINDER_HOUR", "ten")
    with pytest.raises(ConfigError, match="REMINDER_HOUR"):
        load({"ENV_NAME": "testing"})


def test_jwt_settings_are_pinned():
    app = load(production())
    assert app.config["JWT_ALGORITHM"] == "HS256"
    assert app.config["JWT_DECODE_ALGORITHMS"] == ["HS256"]
    assert app.config["JWT_DECODE_ISSUER"] == app.config["JWT_ENCODE_ISSUER"] == "taskdesk"
    assert app.config["JWT_DECODE_AUDIENCE"] == app.config["JWT_ENCODE_AUDIENCE"]
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
