"""Single sign-on in Chromium against a real OpenID Provider (oidc-provider on 127.0.0.1).

Sign in with the provider, consent, back into taskdesk: the pending screen for a new account;
the admin approves it (and sees the linked provider); the person signs in again and lands on
the dashboard, their profile listing the linked provider. One screenshot per step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from api.auth.oidc_models import LinkedIdentity
from api.users.models import User, UserStatus
from tests.browser.conftest import open_admin_menu
from tests.browser.test_journey import _new_page, _read, _sign_in
from tests.oidc.conftest import OpenIDProvider

pytestmark = pytest.mark.browser


@pytest.fixture
def sso_live(app, live_server) -> Iterator[tuple[str, OpenIDProvider]]:
    """The live server configured with a provider whose redirect URI is its callback."""
    base = live_server.url
    op = OpenIDProvider([f"{base}/sign-in/oidc/corp/callback"])
    saved = {key: app.config[key] for key in ("OIDC_PROVIDERS", "APP_BASE_URL")}
    app.config.update(OIDC_PROVIDERS=(op.provider(),), APP_BASE_URL=base)
    try:
        yield base, op
    finally:
        app.config.update(saved)
        op.stop()


def _local_only(page) -> None:
    """The provider's development pages load a web font: nothing leaves 127.0.0.1."""
    page.context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), lambda route: route.abort())


def test_sign_in_with_the_provider_pending_approval_then_dashboard(
    sso_live, chromium, shots, make, db
):
    base, op = sso_live
    csp_errors: list[str] = []
    admin = make.user(role="admin", username="ada")

    person = _new_page(chromium, base, csp_errors)
    _local_only(person)
    person.goto(f"{base}/sign-in")
    shots(person, "sso-sign-in")
    person.get_by_role("link", name="Sign in with Corp ID").click()
    person.wait_for_url(re.compile(re.escape(op.issuer) + r"/interaction/"))
    person.locator("input[name=login]").fill("grace@corp.example")
    person.locator("input[name=password]").fill("any password")
    shots(person, "sso-provider-login")
    person.get_by_role("button", name="Sign-in").click()
    person.get_by_role("button", name="Continue").wait_for()
    shots(person, "sso-provider-consent")
    person.get_by_role("button", name="Continue").click()
    person.wait_for_url(re.compile(r".*/sign-in/pending$"))
    assert "Your account is awaiting approval by an administrator." in person.content()
    shots(person, "sso-pending")
    assert _read(db, sa.select(User.status).where(User.email == "grace@corp.example")) == (
        UserStatus.PENDING
    )

    boss = _new_page(chromium, base, csp_errors)
    _sign_in(boss, base, admin.username)
    open_admin_menu(boss)
    boss.get_by_role("link", name="Registrations", exact=True).click()
    row = boss.get_by_test_id("registration-grace")
    row.get_by_label("Role for grace").select_option("employee")
    row.get_by_role("button", name="Approve").click()
    assert "grace approved as employee" in boss.content()
    open_admin_menu(boss)
    boss.get_by_role("link", name="Users", exact=True).click()
    assert "Corp ID" in boss.locator("tr", has_text="grace@corp.example").inner_text()
    shots(boss, "sso-admin-users")

    person.goto(f"{base}/sign-in")
    person.get_by_role("link", name="Sign in with Corp ID").click()  # the provider remembers
    person.wait_for_url(re.compile(r".*/dashboard$"))
    shots(person, "sso-dashboard")
    person.goto(f"{base}/profile")
    assert "Linked as grace@corp.example" in person.locator("#sign-in-providers").inner_text()
    shots(person, "sso-profile")
    assert _read(db, sa.select(sa.func.count()).select_from(LinkedIdentity)) == 1
    assert not csp_errors, csp_errors
