"""Token rules: what the server refuses, and that every refusal is a 401 in the envelope.

Tokens are HS256 with issuer "taskdesk" and audience "taskdesk-api" (api/config.py). Crafted
tokens start from the claims of a real access token, so each test changes exactly one thing; a
control test proves that re-signing unchanged claims is accepted.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt as pyjwt
import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import rsa
from flask_jwt_extended import create_access_token

from api.auth.models import RevokedToken
from api.db import utcnow
from api.users.models import User
from tests.factories import PASSWORD

ME = "/api/v1/auth/me"
REFRESH = "/api/v1/auth/refresh"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims_of(token: str) -> dict:
    return pyjwt.decode(token, options={"verify_signature": False})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assert_refused(response, message: str | None = None) -> None:
    """401, the envelope, and the Bearer challenge (RFC 6750 §3)."""
    assert response.status_code == 401, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == 401
    assert body["status"] == "Unauthorized"
    assert body["message"]
    if message:
        assert body["message"] == message
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.fixture
def user_and_token(make, auth):
    user = make.user(role="employee")
    return user, auth.tokens(user)["access_token"]


def test_valid_token_is_accepted(client, user_and_token):
    user, token = user_and_token
    response = client.get(ME, headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["id"] == user.id


def test_resigned_unchanged_claims_are_accepted(client, app, user_and_token):
    """Control for the crafted-token tests below."""
    user, token = user_and_token
    resigned = pyjwt.encode(claims_of(token), app.config["JWT_SECRET_KEY"], algorithm="HS256")
    response = client.get(ME, headers=bearer(resigned))
    assert response.status_code == 200
    assert response.get_json()["id"] == user.id


def test_missing_token(client):
    assert_refused(client.get(ME), "Missing access token.")


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "Token abc"],
)
def test_malformed_authorization_header(client, header):
    assert_refused(client.get(ME, headers={"Authorization": header}))


def test_expired_token_by_time_travel(client, user_and_token):
    _user, token = user_and_token
    with time_machine.travel(utcnow() + timedelta(minutes=15, seconds=1), tick=False):
        assert_refused(client.get(ME, headers=bearer(token)), "The token has expired.")


def test_expired_token_minted_with_past_expiry(client, make):
    user = make.user()
    token = create_access_token(str(user.id), expires_delta=timedelta(seconds=-10))
    assert_refused(client.get(ME, headers=bearer(token)), "The token has expired.")


def test_token_just_before_expiry_is_accepted(client, user_and_token):
    _user, token = user_and_token
    with time_machine.travel(utcnow() + timedelta(minutes=14, seconds=50), tick=False):
        assert client.get(ME, headers=bearer(token)).status_code == 200


def test_tampered_signature(client, user_and_token):
    _user, token = user_and_token
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    tampered = f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    assert_refused(client.get(ME, headers=bearer(tampered)), "Invalid token.")


def test_tampered_payload_with_the_original_signature(client, make, user_and_token):
    _user, token = user_and_token
    admin = make.user(role="admin")
    header, _payload, signature = token.split(".")
    claims = {**claims_of(token), "sub": str(admin.id), "role": "admin"}
    forged = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
    assert_refused(client.get(ME, headers=bearer(forged)), "Invalid token.")


def test_alg_none_is_refused(client, user_and_token):
    _user, token = user_and_token
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims_of(token)).encode())
    for unsigned in (f"{header}.{payload}.", f"{header}.{payload}"):
        assert_refused(client.get(ME, headers=bearer(unsigned)))


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_hs512_with_the_right_secret_is_refused(client, app, user_and_token):
    _user, token = user_and_token
    other_alg = pyjwt.encode(claims_of(token), app.config["JWT_SECRET_KEY"], algorithm="HS512")
    assert_refused(client.get(ME, headers=bearer(other_alg)), "Invalid token.")


def test_rs256_is_refused(client, user_and_token):
    _user, token = user_and_token
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rs256 = pyjwt.encode(claims_of(token), key, algorithm="RS256")
    assert_refused(client.get(ME, headers=bearer(rs256)), "Invalid token.")


def test_wrong_secret_is_refused(client, user_and_token):
    _user, token = user_and_token
    forged = pyjwt.encode(claims_of(token), "not-the-server-secret-" * 2, algorithm="HS256")
    assert_refused(client.get(ME, headers=bearer(forged)), "Invalid token.")


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("aud", "someone-else"),
        ("aud", None),
        ("iss", "not-taskdesk"),
        ("iss", None),
        ("sub", "not-a-number"),
    ],
)
def test_wrong_or_missing_claim_is_refused(client, app, user_and_token, claim, value):
    _user, token = user_and_token
    claims = claims_of(token)
    if value is None:
        del claims[claim]
    else:
        claims[claim] = value
    forged = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256")
    assert_refused(client.get(ME, headers=bearer(forged)))


def test_refresh_token_is_not_an_access_token(client, make, auth):
    tokens = auth.tokens(make.user())
    assert_refused(client.get(ME, headers=bearer(tokens["refresh_token"])), "Invalid token.")


def test_access_token_is_not_a_refresh_token(client, make, auth, db):
    tokens = auth.tokens(make.user())
    assert_refused(client.post(REFRESH, headers=bearer(tokens["access_token"])), "Invalid token.")
    assert db.session.query(RevokedToken).count() == 0


def test_logout_revokes_the_access_token_and_its_refresh_token(client, make, auth, db):
    user = make.user()
    tokens = auth.tokens(user)
    response = client.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    assert response.status_code == 204

    access, refresh = claims_of(tokens["access_token"]), claims_of(tokens["refresh_token"])
    revoked = {row.jti for row in db.session.query(RevokedToken)}
    assert revoked == {access["jti"], refresh["jti"]}
    assert_refused(
        client.get(ME, headers=bearer(tokens["access_token"])), "The token has been revoked."
    )
    assert_refused(
        client.post(REFRESH, headers=bearer(tokens["refresh_token"])),
        "The token has been revoked.",
    )
    # Other sessions of the same user are untouched.
    assert client.get(ME, headers=auth.headers(user)).status_code == 200


def test_refresh_spends_the_token_and_a_replay_is_refused(client, make, auth, db):
    user = make.user()
    first = auth.tokens(user)
    response = client.post(REFRESH, headers=bearer(first["refresh_token"]))
    assert response.status_code == 200
    second = response.get_json()
    assert second["token_type"] == "Bearer"
    assert second["refresh_token"] != first["refresh_token"]
    assert response.headers["Cache-Control"] == "no-store"

    replay = client.post(REFRESH, headers=bearer(first["refresh_token"]))
    assert_refused(replay, "The token has been revoked.")
    assert db.session.query(RevokedToken).count() == 1

    assert client.get(ME, headers=bearer(second["access_token"])).status_code == 200
    assert client.post(REFRESH, headers=bearer(second["refresh_token"])).status_code == 200


def test_password_change_refuses_tokens_issued_before(client, make, auth):
    user = make.user()
    old = auth.tokens(user)
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
        headers=bearer(old["access_token"]),
    )
    assert response.status_code == 200
    new = response.get_json()

    assert_refused(client.get(ME, headers=bearer(old["access_token"])))
    assert_refused(client.post(REFRESH, headers=bearer(old["refresh_token"])))
    assert client.get(ME, headers=bearer(new["access_token"])).status_code == 200
    assert client.post(REFRESH, headers=bearer(new["refresh_token"])).status_code == 200


def test_role_change_refuses_tokens_issued_before(client, make, auth, db):
    user = make.user(role="employee")
    old = auth.tokens(user)
    _admin, admin_h = auth.as_role("admin")
    response = client.patch(f"/api/v1/users/{user.id}", json={"role": "manager"}, headers=admin_h)
    assert response.status_code == 200

    assert_refused(client.get(ME, headers=bearer(old["access_token"])))
    assert_refused(client.post(REFRESH, headers=bearer(old["refresh_token"])))
    # The account is still active: a token issued after the change works, with the new role.
    fresh = auth.tokens(db.session.get(User, user.id))
    assert claims_of(fresh["access_token"])["role"] == "manager"
    assert client.get(ME, headers=bearer(fresh["access_token"])).get_json()["role"] == "manager"


def test_disable_then_enable_keeps_old_tokens_refused(client, make, auth, db):
    user = make.user()
    old = auth.tokens(user)
    _admin, admin_h = auth.as_role("admin")
    path = f"/api/v1/users/{user.id}"
    assert client.patch(path, json={"status": "disabled"}, headers=admin_h).status_code == 200
    assert_refused(client.get(ME, headers=bearer(old["access_token"])))

    assert client.patch(path, json={"status": "active"}, headers=admin_h).status_code == 200
    assert_refused(client.get(ME, headers=bearer(old["access_token"])))
    assert_refused(client.post(REFRESH, headers=bearer(old["refresh_token"])))
    fresh = auth.tokens(db.session.get(User, user.id))
    assert client.get(ME, headers=bearer(fresh["access_token"])).status_code == 200


def test_token_of_a_deleted_user_is_refused(client, make, auth, db):
    user = make.user()
    tokens = auth.tokens(user)
    _admin, admin_h = auth.as_role("admin")
    assert client.delete(f"/api/v1/users/{user.id}", headers=admin_h).status_code == 204
    assert db.session.get(User, user.id) is None

    assert_refused(client.get(ME, headers=bearer(tokens["access_token"])))
    assert_refused(client.post(REFRESH, headers=bearer(tokens["refresh_token"])))


@pytest.mark.parametrize("status", ["pending", "rejected", "disabled"])
def test_token_of_an_inactive_account_is_refused(client, make, auth, status):
    tokens = auth.tokens(make.user(status=status))
    assert_refused(client.get(ME, headers=bearer(tokens["access_token"])))
    assert_refused(client.post(REFRESH, headers=bearer(tokens["refresh_token"])))


def test_issued_tokens_carry_the_pinned_claims(make, auth, app):
    user = make.user(role="manager")
    tokens = auth.tokens(user)
    header = pyjwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "HS256"
    access = pyjwt.decode(
        tokens["access_token"],
        app.config["JWT_SECRET_KEY"],
        algorithms=["HS256"],
        audience="taskdesk-api",
        issuer="taskdesk",
    )
    refresh = claims_of(tokens["refresh_token"])
    assert access["sub"] == str(user.id)
    assert access["type"] == "access" and refresh["type"] == "refresh"
    assert access["role"] == "manager"
    assert access["rjti"] == refresh["jti"]
    assert access["exp"] - access["iat"] == pytest.approx(15 * 60, abs=1)
    assert tokens["expires_in"] == 15 * 60


@pytest.mark.parametrize("claim", ["exp", "jti", "sub", "type"])
@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_a_token_without_a_required_claim_is_refused(client, app, make, auth, claim, kind):
    """Right key, right issuer and audience, but no `exp` (never expires) or no `jti` (cannot
    be revoked): refused on the API and as a UI session cookie."""
    user = make.user(role="employee")
    claims = claims_of(auth.tokens(user)[f"{kind}_token"])
    del claims[claim]
    forged = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256")
    path = ME if kind == "access" else REFRESH
    method = client.get if kind == "access" else client.post
    response = method(path, headers=bearer(forged))
    assert_refused(response, "Invalid token." if claim in ("exp", "jti") else None)
    if kind == "access":
        cookie_client = app.test_client()
        cookie_client.set_cookie(app.config["JWT_ACCESS_COOKIE_NAME"], forged)
        page = cookie_client.get("/dashboard")
        assert page.status_code == 302 and "/sign-in" in page.headers["Location"]
