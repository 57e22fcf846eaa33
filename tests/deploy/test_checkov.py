"""checkov on the packaged prod template and on infra/: zero failed checks (.checkov.yaml lists
each skipped check with its reason). checkov lives in .tools/checkov (scripts/ensure-checkov.sh),
apart from .venv because its dependencies pin older boto3 and packaging."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.deploy.conftest import ROOT


@pytest.fixture(scope="module")
def checkov() -> str:
    done = subprocess.run(
        [str(ROOT / "scripts" / "ensure-checkov.sh")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def _run(checkov: str, *targets: str) -> list[dict]:
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    done = subprocess.run(
        [
            checkov,
            *targets,
            "--framework",
            "cloudformation",
            "--config-file",
            str(ROOT / ".checkov.yaml"),
            "--skip-download",
            "--output",
            "json",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    report = json.loads(done.stdout)
    return report if isinstance(report, list) else [report]


def test_checkov_passes_the_packaged_template_and_infra(checkov, packaged):
    template = packaged.directory / "cloudformation-template-update-stack.json"
    reports = _run(checkov, "-f", str(template), "-d", "infra")

    failed = [
        f"{c['check_id']} {c['resource']}" for r in reports for c in r["results"]["failed_checks"]
    ]
    passed = sum(r["summary"]["passed"] for r in reports)
    assert failed == []
    assert passed >= 30


def test_checkov_fails_an_unencrypted_database(checkov, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "Resources": {
                    "Db": {
                        "Type": "AWS::RDS::DBInstance",
                        "Properties": {"Engine": "mysql", "DBInstanceClass": "db.t4g.micro"},
                    }
                }
            }
        )
    )

    (report,) = _run(checkov, "-f", str(bad))

    assert "CKV_AWS_16" in {c["check_id"] for c in report["results"]["failed_checks"]}
