"""OIDC_* variables: the single-provider form, the list form, and the refusals."""

from __future__ import annotations

import pytest

from api import create_app
from api.auth.oidc_settings import OIDCConfigError, providers_from_env, settings_from_env
from api.config import ConfigError


def test_none_configured():
    assert providers_from_env({}) == ()
    assert settings_from_env({}) == {}


def test_single_provider_form():
    (provider,) = providers_from_env(
        {
            "OIDC_ISSUER": "https://accounts.google.com",
            "OIDC_CLIENT_ID": "id",
            "OIDC_CLIENT_SECRET": "secret",
            "OIDC_LABEL": "Google",
        }
    )
    assert (provider.name, provider.label, provider.scopes) == (
        "sso",
        "Google",
        "openid email profile",
    )
    assert provider.metadata_url == "https://accounts.google.com/.well-known/openid-configuration"
    assert "secret" not in repr(provider)


def test_list_form():
    env = {
        "OIDC_PROVIDERS": "google, entra-id",
        "OIDC_GOOGLE_ISSUER": "https://accounts.google.com",
        "OIDC_GOOGLE_CLIENT_ID": "g",
        "OIDC_GOOGLE_CLIENT_SECRET": "gs",
        "OIDC_ENTRA_ID_ISSUER": "https://login.microsoftonline.com/tid/v2.0",
        "OIDC_ENTRA_ID_CLIENT_ID": "e",
        "OIDC_ENTRA_ID_CLIENT_SECRET": "es",
        "OIDC_ENTRA_ID_SCOPES": "openid,email",
        "OIDC_AUTO_APPROVE_DOMAINS": "Corp.Example, @corp.test",
        "PASSWORD_SIGN_IN": "admins-only",
    }
    settings = settings_from_env(env)
    google, entra = settings["OIDC_PROVIDERS"]
    assert (google.name, google.label, entra.name, entra.scopes) == (
        "google",
        "google",
        "entra-id",
        "openid email",
    )
    assert settings["OIDC_AUTO_APPROVE_DOMAINS"] == ("corp.example", "corp.test")
    assert settings["PASSWORD_SIGN_IN"] == "admins-only"


BASE = {"OIDC_ISSUER": "https://id.example", "OIDC_CLIENT_ID": "i", "OIDC_CLIENT_SECRET": "s"}


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID"),
        ({"OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_SECRET"),
        ({"OIDC_ISSUER": "http://id.example"}, "OIDC_ISSUER"),
        ({"OIDC_ISSUER": "https://id.example?x=1"}, "OIDC_ISSUER"),
        ({"OIDC_ISSUER": "not a url"}, "OIDC_ISSUER"),
        ({"OIDC_SCOPES": "email profile"}, "OIDC_SCOPES"),
        ({"OIDC_NAME": "Bad Name"}, "OIDC_NAME"),
        ({"PASSWORD_SIGN_IN": "nobody"}, "PASSWORD_SIGN_IN"),
        (
            {
                "OIDC_PROVIDERS": "a,a",
                "OIDC_A_ISSUER": "https://a",
                "OIDC_A_CLIENT_ID": "x",
                "OIDC_A_CLIENT_SECRET": "y",
            },
            "twice",
        ),
        ({"OIDC_PROVIDERS": "okta"}, "OIDC_OKTA_ISSUER"),
        ({"OIDC_PROVIDERS": "9x"}, "OIDC_PROVIDERS"),
    ],
)
def test_refusals_name_the_variable(changes, names):
    with pytest.raises(OIDCConfigError, match=names):
        settings_from_env({**BASE, **changes})


def test_local_http_issuer_only_outside_production():
    env = {**BASE, "OIDC_ISSUER": "http://127.0.0.1:8080"}
    assert providers_from_env(env)[0].issuer == "http://127.0.0.1:8080"
    with pytest.raises(OIDCConfigError, match="https"):
        providers_from_env(env, production=True)


def test_create_app_reads_the_variables(monkeypatch, tmp_path):
    for key, value in {**BASE, "OIDC_LABEL": "Okta"}.items():
        monkeypatch.setenv(key, value)
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert [p.label for p in app.config["OIDC_PROVIDERS"]] == ["Okta"]
    monkeypatch.setenv("OIDC_SCOPES", "profile")
    with pytest.raises(ConfigError, match="OIDC_SCOPES"):
        create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_refuses_admins_only_without_a_provider(monkeypatch):
    monkeypatch.setenv("PASSWORD_SIGN_IN", "admins-only")
    overrides = {
        "ENV_NAME": "production",
        "SECRET_KEY": "s" * 40,
        "JWT_SECRET_KEY": "j" * 40,
        "SQLALCHEMY_DATABASE_URI": "mysql+pymysql://u:p@127.0.0.1/x",
    }
    with pytest.raises(ConfigError, match="admins-only"):
        create_app(overrides)


def test_the_handler_imports_no_oidc_library_until_a_provider_sign_in(tmp_path):
    """Authlib, joserfc and requests load on the first provider sign-in only (cryptography is
    not checked: PyJWT, which signs taskdesk's own tokens, imports it whenever it is installed)."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, handlers.http;"
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'authlib', 'joserfc', 'requests'}))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "TASKDESK_NO_DOTENV": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lambda.db'}",
        **BASE,
    }
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
