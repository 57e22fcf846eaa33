"""The Lambda HTTP handler with REST API, HTTP API, ALB and Function URL events."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import jsonify, request
from werkzeug.http import dump_cookie

from api import create_app
from api.auth.models import LoginAttempt
from api.tasks.models import Task, TaskStatus
from api.users.models import User, UserStatus
from handlers.http import serve
from tests.handlers.events import (
    LambdaContext,
    header_values,
    invoke,
    json_body,
    make_event,
)

ROOT = Path(__file__).resolve().parents[2]

# (kind, ALB target group with multi-value headers on)
FORMATS = [
    pytest.param("apigw_v1", False, id="apigw_v1"),
    pytest.param("http_api_v2", False, id="http_api_v2"),
    pytest.param("alb", False, id="alb"),
    pytest.param("alb", True, id="alb_multi_value"),
    pytest.param("function_url", False, id="function_url"),
]
# Formats that can carry a repeated query key or header: a single-value ALB target group keeps
# only the last value of a repeated query key and has its own Set-Cookie test below.
MULTI_VALUE_FORMATS = [p for p in FORMATS if p.id != "alb"]


def event(kind: str, multi: bool, method: str, path: str, **kwargs):
    return make_event(kind, method, path, alb_multi_value=multi, **kwargs)


def item_ids(response) -> list[int]:
    return sorted(t["id"] for t in json_body(response)["items"])


@pytest.mark.parametrize(("kind", "multi"), FORMATS)
def test_health_answers_with_status_json_and_the_lambda_request_id(app, kind, multi):
    context = LambdaContext()

    r = invoke(event(kind, multi, "GET", "/api/v1/health"), context)

    assert r["statusCode"] == 200
    assert json_body(r) == {"status": "ok", "database": "ok"}
    assert header_values(r, "Content-Type") == ["application/json"]
    assert header_values(r, "X-Request-ID") == [context.aws_request_id]


@pytest.mark.parametrize(("kind", "multi"), FORMATS)
def test_bearer_token_reaches_the_app(app, auth, make, kind, multi):
    employee, headers = auth.as_role("employee")
    mine = make.task(assignee=employee)
    make.task(project=make.project("OTH"))  # not a project of the employee's

    r = invoke(event(kind, multi, "GET", "/api/v1/tasks", headers=headers))
    anonymous = invoke(event(kind, multi, "GET", "/api/v1/tasks"))

    assert r["statusCode"] == 200
    assert item_ids(r) == [mine.id]
    assert json_body(r)["total"] == 1
    assert anonymous["statusCode"] == 401
    assert json_body(anonymous)["code"] == 401


@pytest.mark.parametrize(("kind", "multi"), MULTI_VALUE_FORMATS)
def test_repeated_query_keys_all_reach_the_filter(app, auth, make, kind, multi):
    _, headers = auth.as_role("manager")
    pending = make.task(status=TaskStatus.PENDING)
    started = make.task(status=TaskStatus.IN_PROGRESS)
    make.task(status=TaskStatus.COMPLETED)
    query = [("status", "pending"), ("status", "in_progress")]

    r = invoke(event(kind, multi, "GET", "/api/v1/tasks", headers=headers, query=query))

    assert r["statusCode"] == 200, json_body(r)
    assert item_ids(r) == sorted([pending.id, started.id])


@pytest.mark.parametrize(("kind", "multi"), FORMATS)
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("C%2B%2B", ["C++ build"], id="percent-encoded plus"),
        pytest.param("a+b", ["a b plan"], id="plus is a space"),
        pytest.param("a%2Bb", ["a+b notes"], id="percent-encoded plus between words"),
    ],
)
def test_plus_and_percent_2b_in_the_query_string(app, auth, make, kind, multi, raw, expected):
    _, headers = auth.as_role("manager")
    for title in ("C++ build", "C build", "a b plan", "a+b notes"):
        make.task(title=title)

    r = invoke(event(kind, multi, "GET", "/api/v1/tasks", headers=headers, query=[("q", raw)]))

    assert r["statusCode"] == 200, json_body(r)
    assert [t["title"] for t in json_body(r)["items"]] == expected


@pytest.mark.parametrize(("kind", "multi"), FORMATS)
def test_base64_encoded_json_body_is_decoded(app, auth, db, kind, multi):
    manager, headers = auth.as_role("manager")
    body = {"title": "Résumé review", "priority": "high"}

    r = invoke(event(kind, multi, "POST", "/api/v1/tasks", headers=headers, body=body, base64=True))

    assert r["statusCode"] == 201, json_body(r)
    created = json_body(r)
    assert (created["title"], created["priority"]) == ("Résumé review", "high")
    db.session.expire_all()
    task = db.session.get(Task, created["id"])
    assert (task.title, task.created_by_id) == ("Résumé review", manager.id)


def _login(kind, multi, login, source_ip, spoof):
    # The client also sends its own X-Forwarded-For: it must not choose the throttle key.
    return invoke(
        event(
            kind,
            multi,
            "POST",
            "/api/v1/auth/login",
            body={"login": login, "password": "not the password"},
            headers={"X-Forwarded-For": spoof},
            source_ip=source_ip,
        )
    )


@pytest.mark.parametrize(("kind", "multi"), FORMATS)
def test_sign_in_throttling_keys_on_the_client_address(app, make, db, kind, multi):
    first, second, third = make.user(), make.user(), make.user()
    for n in range(5):
        r = _login(kind, multi, first.email, "198.51.100.7", f"203.0.113.{n}")
        assert r["statusCode"] == 401, json_body(r)

    throttled = _login(kind, multi, second.email, "198.51.100.7", "203.0.113.99")
    elsewhere = _login(kind, multi, third.email, "192.0.2.44", "203.0.113.98")

    assert throttled["statusCode"] == 429
    assert json_body(throttled)["code"] == 429
    (retry_after,) = header_values(throttled, "Retry-After")
    assert int(retry_after) > 0
    assert elsewhere["statusCode"] == 401
    db.session.expire_all()
    counts = dict(
        db.session.execute(
            sa.select(LoginAttempt.key, sa.func.count()).group_by(LoginAttempt.key)
        ).all()
    )
    assert counts == {
        f"user:{first.id}": 5,
        "ip:198.51.100.7": 5,
        f"user:{third.id}": 1,
        "ip:192.0.2.44": 1,
    }


# Cookies: the app sets none yet, so a second app gets a route that sets two.
COOKIES = [
    dump_cookie("td_session", "s3cr3t", path="/", httponly=True, samesite="Lax"),
    dump_cookie("td_csrf", "t0k3n", path="/api", httponly=True, samesite="Strict", secure=True),
]


@pytest.fixture(scope="module")
def cookie_app(app):
    cookie_app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )

    @cookie_app.get("/cookies")
    def set_cookies():
        response = jsonify(
            cookies=request.cookies,
            remote_addr=request.remote_addr,
            script_root=request.script_root,
        )
        response.set_cookie("td_session", "s3cr3t", path="/", httponly=True, samesite="Lax")
        response.set_cookie(
            "td_csrf", "t0k3n", path="/api", httponly=True, samesite="Strict", secure=True
        )
        response.headers.add("Vary", "Cookie")
        response.headers.add("Vary", "Accept")
        return response

    return cookie_app


def _cookie_request(cookie_app, kind, multi):
    ev = event(
        kind,
        multi,
        "GET",
        "/cookies",
        headers={"Cookie": "theme=dark; lang=en"},
        source_ip="192.0.2.10",
    )
    return ev, serve(cookie_app, ev, LambdaContext())


@pytest.mark.parametrize(("kind", "multi"), FORMATS)
def test_request_side_cookies_address_and_script_root(cookie_app, kind, multi):
    _, r = _cookie_request(cookie_app, kind, multi)

    assert r["statusCode"] == 200
    # A REST API stage URL carries the stage; the other front doors have no prefix.
    assert json_body(r) == {
        "cookies": {"theme": "dark", "lang": "en"},
        "remote_addr": "192.0.2.10",
        "script_root": "/prod" if kind == "apigw_v1" else "",
    }


@pytest.mark.parametrize(("kind", "multi"), MULTI_VALUE_FORMATS)
def test_every_set_cookie_reaches_the_client(cookie_app, kind, multi):
    _, r = _cookie_request(cookie_app, kind, multi)

    if kind in ("http_api_v2", "function_url"):
        assert r["cookies"] == COOKIES
        assert "multiValueHeaders" not in r
        assert not [k for k in r["headers"] if k.lower() == "set-cookie"]
        assert r["headers"]["Vary"] == "Cookie, Accept"
    else:
        assert "headers" not in r
        assert r["multiValueHeaders"]["Set-Cookie"] == COOKIES
        assert r["multiValueHeaders"]["Vary"] == ["Cookie", "Accept"]
    if kind == "alb":
        assert r["statusDescription"] == "200 OK"


def test_single_value_alb_sends_each_cookie_under_its_own_header_name(cookie_app):
    _, r = _cookie_request(cookie_app, "alb", False)

    assert "multiValueHeaders" not in r
    names = [k for k in r["headers"] if k.lower() == "set-cookie"]
    assert len(names) == len({n for n in names}) == 2
    assert sorted(r["headers"][n] for n in names) == sorted(COOKIES)
    assert r["headers"]["Vary"] == "Cookie, Accept"
    assert r["statusDescription"] == "200 OK"


def test_rest_api_request_without_headers_still_answers_multi_value(cookie_app):
    ev = make_event("apigw_v1", "GET", "/cookies")
    ev["headers"] = ev["multiValueHeaders"] = None

    r = serve(cookie_app, ev, LambdaContext())

    assert r["statusCode"] == 200
    assert "headers" not in r
    assert r["multiValueHeaders"]["Set-Cookie"] == COOKIES


def test_function_url_event_with_a_null_authorizer(app):
    ev = make_event("function_url", "GET", "/api/v1/health")
    ev["requestContext"]["authorizer"] = None

    r = invoke(ev)

    assert r["statusCode"] == 200
    assert json_body(r)["status"] == "ok"


def test_scheduled_events_are_not_served(app):
    assert invoke({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}) == {}


def test_importing_the_handler_builds_the_app_without_boto3(tmp_path):
    code = (
        "import sys, flask, handlers.http as h;"
        "assert isinstance(h.app, flask.Flask);"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "TASKDESK_NO_DOTENV": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lambda.db'}",
    }

    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(("kind", "multi"), FORMATS)
def test_work_after_the_response_runs_within_the_invocation(app, db, kind, multi):
    """serverless-wsgi never closes the response: the account must exist when the handler
    returns, as after a PEP 3333 server's close()."""
    body = {
        "email": f"lambda-{kind}@example.com",
        "username": f"lam{kind}"[:32],
        "password": "a fine passphrase",
    }
    response = invoke(event(kind, multi, "POST", "/api/v1/auth/register", body=body))
    assert response["statusCode"] == 202, json_body(response)
    db.session.rollback()
    assert db.session.scalar(sa.select(User.status).where(User.email == body["email"])) == (
        UserStatus.PENDING
    )
