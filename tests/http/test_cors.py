"""CORS (api/security.py register_cors): an explicit allow-list from CORS_ORIGINS."""

from __future__ import annotations

import pytest

from api.config import ConfigError

ALLOWED = "https://app.example.com"
OTHER = "https://admin.example.com"
UNKNOWN = "https://evil.example.net"


@pytest.fixture
def cors_client(make_app):
    return make_app(CORS_ORIGINS=f"{ALLOWED}, {OTHER}/").test_client()


def test_an_allowed_origin_is_named_back(cors_client, auth):
    _user, headers = auth.as_role("manager")
    response = cors_client.get("/api/v1/tasks", headers={**headers, "Origin": ALLOWED})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers.getlist("Vary") == ["Origin, Authorization, Cookie"]
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Retry-After", "X-RateLimit-Remaining", "X-Request-ID"} <= exposed
    assert "Access-Control-Allow-Credentials" not in response.headers
    second = cors_client.get("/api/v1/health", headers={"Origin": OTHER})
    assert second.headers["Access-Control-Allow-Origin"] == OTHER


def test_an_unknown_origin_gets_no_cors_header(cors_client, auth):
    _user, headers = auth.as_role("manager")
    response = cors_client.get("/api/v1/tasks", headers={**headers, "Origin": UNKNOWN})
    assert response.status_code == 200  # served; the browser withholds it from the script
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]
    assert not any(name.startswith("Access-Control-") for name, _value in response.headers)


def test_no_origin_means_no_cors_header(cors_client):
    response = cors_client.get("/api/v1/health")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_is_answered_for_an_allowed_origin(cors_client):
    response = cors_client.options(
        "/api/v1/tasks/1",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "Authorization, If-Match, Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"authorization", "if-match", "content-type"} <= allowed
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert "X-RateLimit-Limit" not in response.headers  # preflights are not counted


def test_preflight_from_an_unknown_origin_gets_nothing(cors_client):
    response = cors_client.options(
        "/api/v1/tasks",
        headers={"Origin": UNKNOWN, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_the_ui_is_not_opened_to_other_origins(cors_client):
    response = cors_client.get("/sign-in", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_without_cors_origins_nobody_is_allowed(client):
    response = client.get("/api/v1/health", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_credentials_only_when_asked(make_app):
    client = make_app(CORS_ORIGINS=ALLOWED, CORS_SUPPORTS_CREDENTIALS=True).test_client()
    response = client.get("/api/v1/health", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


@pytest.mark.parametrize(
    "origins", ["*", "https://ok.example.com,*", "app.example.com", "https://a.example.com/path"]
)
def test_a_wildcard_or_a_non_origin_is_refused_at_start(make_app, origins):
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        make_app(CORS_ORIGINS=origins)
