"""Vercel: what Vercel's own detection builds from the upload, api/index.py served the way the
Python runtime loads it, the crons, .vercelignore."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess

import pytest
from werkzeug.test import Client

from tests.deploy.conftest import ROOT, base_env, node_tool

CRON_SECRET = "vercel-cron-secret-" + "c" * 24


@pytest.fixture
def vercel_app(tmp_path, monkeypatch):
    """api/index.py loaded as a module from its file, as the Vercel Python runtime does."""
    monkeypatch.setenv("TASKDESK_ENV", "testing")
    monkeypatch.setenv("TASKDESK_NO_DOTENV", "1")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'vercel.db'}")
    monkeypatch.setenv("CRON_SECRET", CRON_SECRET)
    spec = importlib.util.spec_from_file_location("vercel_index", ROOT / "api" / "index.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from api.cli import upgrade_database

    upgrade_database(module.app)
    return module.app


@pytest.fixture(scope="module")
def vercel_detection(tmp_path_factory) -> dict:
    """tests/deploy/vercel_detect.cjs on this checkout: the upload tree (default ignores and
    .vercelignore) analysed by @vercel/python-analysis and @vercel/fs-detectors from npm."""
    node_tool("osls")  # node_modules installed (scripts/ensure-node-tools.sh)
    if not (ROOT / "node_modules" / "@vercel" / "fs-detectors").is_dir():
        pytest.fail("@vercel/fs-detectors is missing: run scripts/ensure-node-tools.sh")
    scratch = tmp_path_factory.mktemp("vercel-upload")
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "deploy" / "vercel_detect.cjs"), str(ROOT), str(scratch)],
        capture_output=True,
        text=True,
        env=base_env(NODE_PATH=str(ROOT / "node_modules")),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _names(specs: list[str]) -> set[str]:
    """PEP 503 normalised names of requirement specifiers."""
    return {
        re.sub(r"[-_.]+", "-", re.split(r"[=<>!~ ;\[]", spec, maxsplit=1)[0]).lower()
        for spec in specs
    }


def test_vercel_installs_the_pinned_requirements(vercel_detection):
    pins = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    manifest = vercel_detection["manifest"]

    assert "pyproject.toml" not in vercel_detection["files"]
    assert manifest["path"] == "requirements.txt" and manifest["origin"] == "requirements.txt"
    assert _names(manifest["dependencies"]) == _names(pins)
    assert {"flask", "sqlalchemy", "pymysql"} <= _names(manifest["dependencies"])
    assert vercel_detection["entrypoint"] == "app"


def test_vercel_builds_one_python_function_and_no_browser_script(vercel_detection):
    builds = vercel_detection["builds"]

    assert [(b["src"], b["use"]) for b in builds] == [("api/index.py", "@vercel/python")]
    functions = builds[0]["config"]["functions"]["api/index.py"]
    assert functions == {"memory": 1024, "maxDuration": 30}
    # Why `builds` is declared: zero-config detection would make every api/**/*.js a function.
    zero = {b["src"]: b["use"] for b in vercel_detection["zeroConfig"]}
    assert zero.get("api/static/js/app.js") == "@vercel/node"
    assert any(f.startswith("api/static/") for f in vercel_detection["files"])


def test_vercel_cron_runs_a_job_through_the_entry_point_with_the_secret(vercel_app):
    client = Client(vercel_app)

    refused = client.get("/api/v1/jobs/outbox")
    wrong = client.get("/api/v1/jobs/outbox", headers={"Authorization": "Bearer nope"})
    ran = client.get("/api/v1/jobs/outbox", headers={"Authorization": f"Bearer {CRON_SECRET}"})

    assert refused.status_code == 401 and wrong.status_code == 401
    assert refused.get_json()["code"] == 401
    assert ran.status_code == 200, ran.get_data(as_text=True)
    assert ran.get_json()["job"] == "outbox"


def test_vercel_json_schedules_each_job():
    config = json.loads((ROOT / "vercel.json").read_text())
    crons = {c["path"]: c["schedule"] for c in config["crons"]}

    assert crons == {
        "/api/v1/jobs/reminders": "0 * * * *",
        "/api/v1/jobs/reports": "0 8 * * 1",
        "/api/v1/jobs/outbox": "*/5 * * * *",
        "/api/v1/jobs/escalate": "*/5 * * * *",
    }
    assert config["rewrites"] == [{"source": "/(.*)", "destination": "/api/index"}]


def test_vercelignore_uploads_the_app_and_leaves_the_rest():
    ignored = {
        line.strip()
        for line in (ROOT / ".vercelignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }

    assert {"tests", "node_modules", ".venv", "handlers", "infra", "build"} <= ignored
    assert not {"api", "requirements.txt", "vercel.json"} & ignored


def test_readme_names_the_vercel_settings():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Vercel") :]

    for name in ("TASKDESK_ENV", "SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL", "CRON_SECRET"):
        assert f"`{name}`" in section
    assert "TLS" in section and "outside a VPC" in section
    assert "Hobby" in section
