"""Linking from the profile, unlinking, PASSWORD_SIGN_IN=admins-only, and the admin's view."""

from __future__ import annotations

import sqlalchemy as sa

from api.auth import sso_rules
from api.auth.oidc_models import LinkedIdentity
from api.users.models import User
from tests.factories import PASSWORD
from tests.oidc.test_flow import Person, _count
from tests.web.conftest import WebClient


def _link(db, user, op, subject: str | None = None) -> LinkedIdentity:
    identity = LinkedIdentity(
        user_id=user.id, provider="corp", issuer=op.issuer, subject=subject or user.email
    )
    db.session.add(identity)
    db.session.commit()
    return identity


def _no_password(db, user) -> None:
    user.password_hash = sso_rules.unusable_password_hash()
    db.session.commit()


def test_link_from_the_profile(app, op, sso, db, make):
    user = make.user(email="me@corp.example")
    person = Person(app, op)
    person.web.sign_in(user)
    page = person.web.get("/profile")
    assert "Link Corp ID" in page.text
    response = person.web.get(
        f"/profile/sign-in-providers/corp/link?csrf_token={person.web.csrf()}"
    )
    assert response.status_code == 302
    back = op.sign_in(response.headers["Location"], "someone-else@corp.example", person.idp)
    done = person.back(back)
    assert done.headers["Location"].endswith("/profile")
    identity = db.session.scalar(sa.select(LinkedIdentity))
    assert (identity.user_id, identity.subject) == (user.id, "someone-else@corp.example")
    assert "Unlink Corp ID" in person.web.get("/profile").text


def test_link_refused_when_the_provider_account_is_someone_elses(app, op, sso, db, make):
    owner = make.user(email="owner@corp.example")
    _link(db, owner, op, "shared@corp.example")
    user = make.user()
    person = Person(app, op)
    person.web.sign_in(user)
    response = person.web.get(
        f"/profile/sign-in-providers/corp/link?csrf_token={person.web.csrf()}"
    )
    person.back(op.sign_in(response.headers["Location"], "shared@corp.example", person.idp))
    page = person.web.get("/profile")
    assert "linked to another taskdesk account" in page.text
    assert db.session.scalar(sa.select(LinkedIdentity.user_id)) == owner.id


def test_unlink_with_a_password(app, op, sso, db, make):
    user = make.user()
    identity = _link(db, user, op)
    web = WebClient(app).sign_in(user)
    response = web.post(f"/profile/sign-in-providers/{identity.id}/unlink", {})
    assert response.status_code == 302
    assert _count(db, LinkedIdentity) == 0
    assert "no longer linked" in web.get("/profile").text


def test_no_unlink_without_a_password(app, op, sso, db, make):
    user = make.user()
    _no_password(db, user)
    identity = _link(db, user, op)
    web = WebClient(app).sign_in(user)
    profile = web.get("/profile").text
    assert "Set a password to unlink it" in profile and 'data-testid="no-password"' in profile
    assert 'name="current_password"' not in profile
    web.post(f"/profile/sign-in-providers/{identity.id}/unlink", {})
    assert _count(db, LinkedIdentity) == 1
    assert "Set a password first" in web.get("/profile").text


def test_no_unlink_of_someone_elses_identity(app, op, sso, db, make):
    other = _link(db, make.user(), op)
    web = WebClient(app).sign_in(make.user())
    assert web.post(f"/profile/sign-in-providers/{other.id}/unlink", {}).status_code == 404
    assert _count(db, LinkedIdentity) == 1


def test_account_without_password_cannot_use_one(app, op, sso, db, make, client):
    user = make.user(username="nopass")
    _no_password(db, user)
    assert not sso_rules.has_password(user)
    assert sso_rules.has_password(make.user())
    response = client.post("/api/v1/auth/login", json={"login": "nopass", "password": PASSWORD})
    assert response.status_code == 401


def test_admins_only_password_sign_in(app, op, sso, db, make, client):
    app.config["PASSWORD_SIGN_IN"] = "admins-only"
    make.user(username="worker")
    make.user(role="admin", username="boss")
    refused = client.post("/api/v1/auth/login", json={"login": "worker", "password": PASSWORD})
    assert refused.status_code == 403
    assert "Sign in with Corp ID" in refused.json["message"]
    ok = client.post("/api/v1/auth/login", json={"login": "boss", "password": PASSWORD})
    assert ok.status_code == 200 and ok.json["access_token"]
    web = WebClient(app)
    page = web.get("/sign-in")
    assert (
        "Sign in with Corp ID" in page.text
        and "Administrators sign in with a password" in page.text
    )
    form = web.post("/sign-in", {"login": "worker", "password": PASSWORD})
    assert form.status_code == 403 and web.access is None
    wrong = web.post("/sign-in", {"login": "worker", "password": "wrong password here"})
    assert wrong.status_code == 401  # a wrong password says nothing about the role


def test_admins_only_turns_password_registration_off(app, op, sso, db, client):
    app.config["PASSWORD_SIGN_IN"] = "admins-only"
    body = {"email": "new@corp.example", "username": "newbie", "password": "a long passphrase 42"}
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 403 and "Corp ID" in response.json["message"]
    web = WebClient(app)
    page = web.get("/register")
    assert "Register with Corp ID" in page.text and 'name="password"' not in page.text
    form = web.post("/register", {**body, "password_confirm": body["password"]})
    assert form.status_code == 403
    assert _count(db, User) == 0


def test_admin_sees_linked_providers(app, op, sso, db, make):
    linked = make.user(username="linkedperson")
    _link(db, linked, op)
    admin = make.user(role="admin")
    page = WebClient(app).sign_in(admin).get("/admin/users")
    row = page.text.split("linkedperson", 1)[1].split("</td>", 1)[0]
    assert "Corp ID" in row


def test_without_settings_no_buttons_and_no_routes(app, db, make):
    assert app.config["OIDC_PROVIDERS"] == ()
    web = WebClient(app)
    for path in ("/sign-in", "/register"):
        page = web.get(path)
        assert page.status_code == 200 and "sso-buttons" not in page.text
    assert web.get("/sign-in/oidc/corp").status_code == 404
    assert web.get("/sign-in/oidc/corp/callback?code=a&state=b").status_code == 404
    user = make.user(username="plain")
    assert web.post("/sign-in", {"login": "plain", "password": PASSWORD}).status_code == 302
    assert "Sign-in providers" not in WebClient(app).sign_in(user).get("/profile").text


def test_deleting_a_user_deletes_their_links(app, op, sso, db, make):
    from api.users import service as users

    user = make.user()
    _link(db, user, op)
    users.delete(user_id=user.id, actor=make.user(role="admin"))
    db.session.expire_all()
    assert _count(db, LinkedIdentity) == 0
