"""Role x route matrix of the single sign-on pages, and bad input on them.

tests/test_route_matrix.py covers /api/v1; these routes are UI pages (HTML, cookie sessions),
so their matrix lives here, with a guard that every oidc_web route has a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from api.auth.oidc_models import LinkedIdentity
from api.users.models import User
from tests.oidc.test_flow import Person, _count
from tests.web.conftest import WebClient

CALLERS = ("anonymous", "pending", "employee", "manager", "admin")


@dataclass(frozen=True)
class Row:
    """A request and, per caller, (status, where the Location header points or None)."""

    method: str
    path: str
    expect: dict[str, tuple[int, str | None]]


TO_PROVIDER = (302, "provider")
TO_SIGN_IN = (302, "/sign-in")
BAD_CALLBACK = (400, None)

ROWS = [
    Row(
        "GET",
        "/sign-in/oidc/corp",
        {
            "anonymous": TO_PROVIDER,
            "pending": (403, None),  # its cookies are no session: its form token is refused
            "employee": (302, "/dashboard"),
            "manager": (302, "/dashboard"),
            "admin": (302, "/dashboard"),
        },
    ),
    Row("GET", "/sign-in/oidc/corp/callback", dict.fromkeys(CALLERS, BAD_CALLBACK)),
    Row("GET", "/sign-in/pending", dict.fromkeys(CALLERS, (200, None))),
    Row(
        "GET",
        "/profile/sign-in-providers/corp/link",
        {
            "anonymous": TO_SIGN_IN,
            "pending": TO_SIGN_IN,  # a GET link: signing in comes first, then the profile
            "employee": TO_PROVIDER,
            "manager": TO_PROVIDER,
            "admin": TO_PROVIDER,
        },
    ),
    Row(
        "POST",
        "/profile/sign-in-providers/{employee_identity}/unlink",
        {
            "anonymous": TO_SIGN_IN,
            "pending": (403, None),
            "employee": (302, "/profile"),  # their own, and they have a password
            "manager": (404, None),  # someone else's: not even admins unlink it
            "admin": (404, None),
        },
    ),
]


@pytest.fixture
def callers(app, make, db, op):
    people = {
        "employee": make.user(role="employee"),
        "manager": make.user(role="manager"),
        "admin": make.user(role="admin"),
        "pending": make.user(role="employee", status="pending"),
    }
    identity = LinkedIdentity(
        user_id=people["employee"].id, provider="corp", issuer=op.issuer, subject="emp"
    )
    db.session.add(identity)
    db.session.commit()
    return people, {"employee_identity": identity.id}


def _client(app, people, caller: str) -> WebClient:
    web = WebClient(app)
    if caller != "anonymous":
        web.sign_in(people[caller])
    return web


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.path}" for r in ROWS])
def test_sso_route(app, sso, op, callers, db, row: Row, caller: str) -> None:
    people, values = callers
    web = _client(app, people, caller)
    path = row.path.format(**values)
    if row.method == "POST":
        response = web.post(path, {})
    else:  # the links that start a sign-in carry the page's CSRF token, like the forms
        response = web.get(f"{path}?{urlencode({'csrf_token': web.csrf()})}")
    status, where = row.expect[caller]
    assert response.status_code == status, (caller, path, response.text[:300])
    if "/link" in path and where == "/sign-in":
        assert response.headers["Location"] == "/sign-in?next=/profile"
    if where == "provider":
        assert response.headers["Location"].startswith(op.issuer + "/auth?")
    elif where:
        assert response.headers["Location"].split("?")[0].endswith(where)
    if "unlink" in path:
        assert _count(db, LinkedIdentity) == (0 if caller == "employee" else 1)


def test_every_sso_route_has_a_row(app) -> None:
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("oidc_web.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = set()
    for row in ROWS:
        adapter = app.url_map.bind("localhost")
        endpoint, _ = adapter.match(row.path.replace("{employee_identity}", "1"), row.method)
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        covered.add((rule.rule, row.method))
    assert routes and routes == covered


BAD_CALLBACKS = [
    "?code=&state=",
    "?state=" + "x" * 5000,
    "?code=%00%01&state=%0d%0aSet-Cookie:x",
    "?error=<script>alert(1)</script>&error_description=%ff%fe",
    "?error=access_denied",
    "?iss=%00&code=a&state=b",
    "?code=a&code=b&state=c&state=d",
]


@pytest.mark.parametrize("query", BAD_CALLBACKS)
def test_bad_callback_input_is_a_clear_400_and_creates_nothing(app, sso, db, query):
    response = WebClient(app).get("/sign-in/oidc/corp/callback" + query)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Start again" in text and "<script>alert(1)" not in text
    assert _count(db, User) == 0 and _count(db, LinkedIdentity) == 0


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/sign-in/oidc/" + "a" * 300, 404),
        ("GET", "/sign-in/oidc/%00", 404),
        ("GET", "/sign-in/oidc/..%2F..%2Fadmin/callback", 404),
        ("POST", "/profile/sign-in-providers/99999999999999999999999/unlink", 404),
        ("POST", "/profile/sign-in-providers/-1/unlink", 404),
        ("POST", "/profile/sign-in-providers/abc/unlink", 404),
        ("GET", "/profile/sign-in-providers/nobody/link", 404),
    ],
)
def test_bad_paths_are_404(app, sso, make, method, path, status):
    web = WebClient(app).sign_in(make.user())
    response = web.post(path, {}) if method == "POST" else web.get(path)
    assert response.status_code == status


@pytest.mark.parametrize("token", ["", "forged", None])
def test_start_and_link_without_the_csrf_token_are_refused(app, sso, make, token):
    suffix = "" if token is None else f"?csrf_token={token}"
    signed_out = WebClient(app)
    signed_out.csrf()  # has its form cookie: only the token in the link is missing
    response = signed_out.get("/sign-in/oidc/corp" + suffix)
    assert response.status_code == 403 and "Location" not in response.headers
    signed_in = WebClient(app).sign_in(make.user())
    response = signed_in.get("/profile/sign-in-providers/corp/link" + suffix)
    assert response.status_code == 403 and "Location" not in response.headers


def test_next_outside_taskdesk_is_ignored(app, sso, op, make, db):
    user = make.user(email="next@corp.example")
    db.session.add(
        LinkedIdentity(user_id=user.id, provider="corp", issuer=op.issuer, subject=user.email)
    )
    db.session.commit()
    person = Person(app, op)
    back = person.at_provider(user.email, person.start(next="https://evil.example/"))
    assert person.back(back).headers["Location"] == "/dashboard"
