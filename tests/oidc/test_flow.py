"""Single sign-on against a real OpenID Provider (oidc-provider on 127.0.0.1), over HTTP.

Each refused answer is checked for its message and for what the database holds afterwards.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
import sqlalchemy as sa

from api.auth.oidc_models import LinkedIdentity
from api.notifications.models import OutboxEmail
from api.users import service as users
from api.users.models import Role, User, UserStatus
from tests.factories import PASSWORD
from tests.oidc.conftest import APP_BASE_URL
from tests.web.conftest import WebClient


class Person:
    """A browser: taskdesk's cookies (WebClient) and the provider's (requests.Session)."""

    def __init__(self, app, op) -> None:
        self.web = WebClient(app)
        self.op = op
        self.idp = requests.Session()

    def start(self, provider: str = "corp", next: str = "") -> str:
        query = urlencode({"next": next, "csrf_token": self.web.csrf()})
        response = self.web.get(f"/sign-in/oidc/{provider}?{query}")
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def at_provider(self, login: str, authorize_url: str | None = None) -> str:
        back = self.op.sign_in(authorize_url or self.start(), login, self.idp)
        assert back.startswith(f"{APP_BASE_URL}/sign-in/oidc/corp/callback?"), back
        return back

    def back(self, url: str):
        return self.web.get(url[len(APP_BASE_URL) :])

    def sign_in(self, login: str):
        return self.back(self.at_provider(login))


def _start(web: WebClient):
    return web.get(f"/sign-in/oidc/corp?csrf_token={web.csrf()}")


@pytest.fixture
def person(app, op, sso):
    return Person(app, op)


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _user(db, email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_new_account_waits_for_approval_then_signs_in(person, db, make):
    admin = make.user(role="admin")
    response = person.sign_in("ada@corp.example")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sign-in/pending")
    assert person.web.access is None
    page = person.web.get("/sign-in/pending")
    assert "awaiting approval by an administrator" in page.text
    user = _user(db, "ada@corp.example")
    assert (user.status, user.role, user.requested_role) == (
        UserStatus.PENDING,
        Role.EMPLOYEE,
        Role.EMPLOYEE,
    )
    assert user.username == "ada"
    identity = db.session.scalar(sa.select(LinkedIdentity))
    assert (identity.user_id, identity.subject, identity.issuer) == (
        user.id,
        "ada@corp.example",
        person.op.issuer,
    )
    kinds = {row.kind.value for row in db.session.scalars(sa.select(OutboxEmail))}
    assert {"registration_received", "registration_waiting"} <= kinds

    again = person.sign_in("ada@corp.example")  # the provider remembers login and consent
    assert again.status_code == 403
    assert "Your account is awaiting approval by an administrator." in again.text
    assert person.web.access is None

    users.approve(user_id=user.id, role=Role.EMPLOYEE, actor=admin)
    signed_in = person.sign_in("ada@corp.example")
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"].endswith("/dashboard")
    assert person.web.access
    assert person.web.get("/dashboard").status_code == 200
    assert _count(db, User) == 2 and _count(db, LinkedIdentity) == 1
    # the same token pair as a password sign-in: the access token is an API Bearer token too
    me = person.web.app.test_client().get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {person.web.access}"}
    )
    assert me.status_code == 200 and me.json["email"] == "ada@corp.example"


def test_starting_again_keeps_only_the_latest_attempt(person, db):
    first = person.at_provider("ada@corp.example")
    for _ in range(30):  # the session cookie stays small however often one starts over
        latest = person.start()
    assert len(person.web.cookie("session") or "") < 1500
    assert person.back(first).status_code == 400  # an abandoned attempt is no longer valid
    back = person.at_provider("ada@corp.example", latest)
    assert person.back(back).headers["Location"].endswith("/sign-in/pending")


def test_auto_approved_domain_signs_in_at_once_as_employee(person, db, app):
    app.config["OIDC_AUTO_APPROVE_DOMAINS"] = ("corp.example",)
    response = person.sign_in("grace@corp.example")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    user = _user(db, "grace@corp.example")
    assert (user.status, user.role) == (UserStatus.ACTIVE, Role.EMPLOYEE)
    assert person.web.get("/dashboard").status_code == 200
    other = Person(app, person.op).sign_in("linus@elsewhere.example")
    assert other.headers["Location"].endswith("/sign-in/pending")
    assert _user(db, "linus@elsewhere.example").status == UserStatus.PENDING


def test_next_page_is_kept_through_the_provider(person, db, make, app):
    user = make.user(email="kept@corp.example")
    db.session.add(
        LinkedIdentity(
            user_id=user.id, provider="corp", issuer=person.op.issuer, subject="kept@corp.example"
        )
    )
    db.session.commit()
    back = person.at_provider("kept@corp.example", person.start(next="/tasks"))
    assert person.back(back).headers["Location"].endswith("/tasks")


def test_same_email_links_only_after_a_password_sign_in(person, db, make):
    owner = make.user(email="mallory-target@corp.example", username="owner")
    response = person.sign_in("mallory-target@corp.example")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    assert person.web.access is None
    assert _count(db, LinkedIdentity) == 0 and _count(db, User) == 1
    page = person.web.get("/sign-in")
    assert "Sign in with its password once to link Corp ID" in page.text

    signed = person.web.post("/sign-in", {"login": "owner", "password": PASSWORD})
    assert signed.status_code == 302
    identity = db.session.scalar(sa.select(LinkedIdentity))
    assert identity.user_id == owner.id
    assert "Corp ID is now linked" in person.web.get("/dashboard").text

    later = Person(person.web.app, person.op).sign_in("mallory-target@corp.example")
    assert later.status_code == 302 and later.headers["Location"].endswith("/dashboard")


def test_a_link_offer_is_not_taken_by_another_account(person, db, make):
    make.user(email="target@corp.example")
    make.user(email="intruder@corp.example", username="intruder")
    person.sign_in("target@corp.example")
    person.web.post("/sign-in", {"login": "intruder", "password": PASSWORD})
    assert _count(db, LinkedIdentity) == 0


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("pending", "Your account is awaiting approval by an administrator."),
        ("rejected", "Your registration was not approved."),
        ("disabled", "Your account has been disabled."),
    ],
)
def test_linked_account_obeys_the_password_sign_in_rules(person, db, make, status, message):
    user = make.user(status=status, email="x@corp.example")
    db.session.add(
        LinkedIdentity(
            user_id=user.id, provider="corp", issuer=person.op.issuer, subject="x@corp.example"
        )
    )
    db.session.commit()
    response = person.sign_in("x@corp.example")
    assert response.status_code == 403
    assert message in response.text
    assert person.web.access is None


def _with_param(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _refused(response, db, message: str) -> None:
    assert response.status_code == 400, response.text
    assert message in response.text
    assert _count(db, User) == 0 and _count(db, LinkedIdentity) == 0
    for cookie in response.headers.getlist("Set-Cookie"):  # no session cookie is handed out
        assert not cookie.startswith("access_token_cookie=") or cookie.startswith(
            "access_token_cookie=;"
        )


def test_wrong_state_is_refused(person, db):
    back = person.at_provider("eve@corp.example")
    response = person.back(_with_param(back, state="forged-state"))
    _refused(response, db, "could not be verified")


def test_missing_state_is_refused(person, db):
    back = person.at_provider("eve@corp.example")
    parts = urlsplit(back)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "state"]
    response = person.back(urlunsplit(parts._replace(query=urlencode(query))))
    _refused(response, db, "could not be verified")


def test_replayed_callback_and_replayed_code_are_refused(person, db, make):
    user = make.user(email="rep@corp.example")
    db.session.add(
        LinkedIdentity(
            user_id=user.id, provider="corp", issuer=person.op.issuer, subject="rep@corp.example"
        )
    )
    db.session.commit()
    first = person.at_provider("rep@corp.example")
    assert person.back(first).status_code == 302  # the code is spent here

    stranger = Person(person.web.app, person.op)
    replay = stranger.back(first)  # the same answer again, in another browser
    assert replay.status_code == 400 and "could not be verified" in replay.text

    fresh = urlsplit(stranger.start())  # a new sign-in, whose state the old code borrows
    state = dict(parse_qsl(fresh.query))["state"]
    response = stranger.back(_with_param(first, state=state))
    assert response.status_code == 400
    assert "refused the sign-in code: it was already used or has expired" in response.text
    assert stranger.web.access is None
    assert _count(db, User) == 1


def test_wrong_nonce_is_refused(person, db):
    authorize = _with_param(person.start(), nonce="not-the-nonce-taskdesk-sent")
    back = person.at_provider("eve@corp.example", authorize)
    _refused(person.back(back), db, "does not belong to this sign-in")


def test_id_token_for_another_audience_is_refused(person, db, op):
    back = person.at_provider("eve@corp.example")
    op.tamper(aud="another-application")
    _refused(person.back(back), db, "issued for another application")


def test_expired_id_token_is_refused(person, db, op):
    back = person.at_provider("eve@corp.example")
    now = int(time.time())
    op.tamper(iat=now - 3600, exp=now - 1800)
    _refused(person.back(back), db, "has expired")


def test_id_token_from_another_issuer_is_refused(person, db, op):
    back = person.at_provider("eve@corp.example")
    op.tamper(iss="https://evil.example")
    _refused(person.back(back), db, "does not come from Corp ID")


def test_mix_up_iss_parameter_is_refused(person, db):
    back = person.at_provider("eve@corp.example")
    _refused(person.back(_with_param(back, iss="https://evil.example")), db, "does not come")


def test_unverified_email_is_refused(person, db):
    response = person.sign_in("unverified-bob@corp.example")
    _refused(response, db, "has not verified the address unverified-bob@corp.example")


def test_unverified_email_does_not_match_an_account(person, db, make):
    make.user(email="unverified-owner@corp.example")
    response = person.sign_in("unverified-owner@corp.example")
    assert response.status_code == 400 and "has not verified" in response.text
    assert _count(db, LinkedIdentity) == 0


def test_cancelled_at_the_provider(person, db):
    state = dict(parse_qsl(urlsplit(person.start()).query))["state"]
    query = urlencode({"error": "access_denied", "state": state})
    response = person.web.get(f"/sign-in/oidc/corp/callback?{query}")
    _refused(response, db, "was cancelled")


def test_unknown_provider_is_404(person):
    assert person.web.get("/sign-in/oidc/nobody").status_code == 404
    assert person.web.get("/sign-in/oidc/nobody/callback?code=x&state=y").status_code == 404


def test_unreachable_provider_says_so(app, db, op):
    dead = op.provider(issuer="http://127.0.0.1:9")
    app.config["OIDC_PROVIDERS"] = (dead,)
    response = _start(WebClient(app))
    assert response.status_code == 502
    assert "Corp ID cannot be reached right now" in response.text


def test_issuer_must_match_discovery(app, db, op, sso):
    app.config["OIDC_PROVIDERS"] = (op.provider(issuer=op.issuer + "/"),)
    response = _start(WebClient(app))
    assert response.status_code == 302  # a trailing slash is the same issuer
    app.config["OIDC_PROVIDERS"] = (
        op.provider(issuer=op.issuer.replace("127.0.0.1", "localhost")),
    )
    response = _start(WebClient(app))
    assert response.status_code == 502 and "issuer mismatch" in response.text
