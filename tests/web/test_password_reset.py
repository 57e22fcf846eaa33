"""The forgotten-password pages: ask for a link, then set a new password from it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from api.auth import service as auth_service
from api.auth.passwords import verify_password
from api.notifications.models import EmailKind, OutboxEmail
from api.users.models import User
from tests.factories import PASSWORD

NEW_PASSWORD = "a-fresh-pass-phrase-42"


@pytest.fixture
def reset_links(monkeypatch) -> list[str]:
    """Every reset URL the service emails during the test (the sent body is cleared)."""
    links: list[str] = []
    original = auth_service.emails.password_reset

    def capture(user, *, reset_url, **kwargs):
        links.append(reset_url)
        return original(user, reset_url=reset_url, **kwargs)

    monkeypatch.setattr(auth_service.emails, "password_reset", capture)
    return links


def _reset_rows(db) -> list[OutboxEmail]:
    stmt = sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.PASSWORD_RESET)
    return list(db.session.scalars(stmt))


def _path_and_token(link: str) -> tuple[str, str]:
    parts = urlsplit(link)
    return parts.path, parse_qs(parts.query)["token"][0]


def test_sign_in_page_links_to_the_reset_page(web):
    body = web.get("/sign-in").get_data(as_text=True)
    assert 'href="/password-reset"' in body
    page = web.get("/password-reset")
    assert page.status_code == 200
    assert 'name="email"' in page.get_data(as_text=True)


def test_known_and_unknown_addresses_get_the_same_answer(web, make, db, reset_links):
    user = make.user(email="known@example.com")
    known = web.post("/password-reset", {"email": "Known@Example.com"})
    unknown = web.post("/password-reset", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/sign-in"
    assert [row.recipient for row in _reset_rows(db)] == [user.email]
    assert len(reset_links) == 1


def test_a_bad_address_is_refused_beside_its_field(web, db):
    page = web.post("/password-reset", {"email": ""})
    assert page.status_code == 422
    assert 'id="email-error"' in page.get_data(as_text=True)
    assert _reset_rows(db) == []


def test_the_emailed_link_sets_a_new_password_once(web, make, db, client, reset_links):
    user = make.user(email="forgetful@example.com")
    web.post("/password-reset", {"email": user.email})
    path, token = _path_and_token(reset_links[0])
    assert path == "/password-reset/confirm"
    form = web.get(f"{path}?token={token}")
    assert form.status_code == 200 and f'value="{token}"' in form.get_data(as_text=True)

    mismatch = web.post(
        path,
        {"token": token, "new_password": NEW_PASSWORD, "new_password_confirm": "something else 99"},
    )
    assert mismatch.status_code == 422
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, PASSWORD)

    done = web.post(
        path, {"token": token, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    signed_in = client.post(
        "/api/v1/auth/login", json={"login": user.email, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 200

    again = web.post(
        path,
        {
            "token": token,
            "new_password": "yet-another-phrase-7",
            "new_password_confirm": "yet-another-phrase-7",
        },
    )
    assert again.status_code == 422
    assert 'id="token-error"' in again.get_data(as_text=True)
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, NEW_PASSWORD)


def test_reset_forms_need_their_csrf_token(web, make, db):
    make.user(email="csrf@example.com")
    refused = web.post("/password-reset", {"email": "csrf@example.com"}, csrf=False)
    assert refused.status_code == 403
    assert _reset_rows(db) == []
