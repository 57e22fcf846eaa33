"""infra/*.yml: one CloudFormation template once merged, cfn-lint clean, with the properties the
deployment issue names (encryption, backups, deletion protection, TLS, SES events, alarms)."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from tests.deploy.conftest import ROOT, VENV_BIN

INFRA = sorted((ROOT / "infra").glob("*.yml"))


@pytest.fixture(scope="module")
def infra() -> dict:
    """infra/*.yml merged the way serverless.yml's `resources` list merges them."""
    template: dict = {"AWSTemplateFormatVersion": "2010-09-09"}
    for path in INFRA:
        for section, body in yaml.safe_load(path.read_text()).items():
            overlap = set(template.get(section, {})) & set(body)
            assert not overlap, f"{path.name} redefines {overlap}"
            template.setdefault(section, {}).update(body)
    return template


def test_infra_files_merge_into_a_template_that_cfn_lint_passes(infra, tmp_path):
    merged = tmp_path / "infra.json"
    merged.write_text(json.dumps(infra))

    lint = subprocess.run(
        [str(VENV_BIN / "cfn-lint"), str(merged)], cwd=ROOT, capture_output=True, text=True
    )

    assert [p.name for p in INFRA] == [
        "alarms.yml",
        "database.yml",
        "email.yml",
        "network.yml",
        "parameters.yml",
    ]
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_infra_has_no_redundant_depends_on(infra):
    # .cfnlintrc ignores W3005 for osls's generated HTTP API; infra/ must not rely on that.
    for name, resource in infra["Resources"].items():
        depends = resource.get("DependsOn")
        if depends:
            assert depends not in json.dumps(resource["Properties"]), name


def test_every_file_is_included_by_serverless_yml():
    text = (ROOT / "serverless.yml").read_text()

    for path in INFRA:
        assert f"${{file(infra/{path.name})}}" in text


def test_database_is_encrypted_backed_up_and_protected_in_prod(infra):
    db = infra["Resources"]["Database"]
    props = db["Properties"]

    assert (props["Engine"], props["EngineVersion"].split(".")[0]) == ("mysql", "8")
    assert props["StorageEncrypted"] is True
    assert props["BackupRetentionPeriod"] == {"Ref": "DatabaseBackupRetentionDays"}
    assert infra["Parameters"]["DatabaseBackupRetentionDays"]["MinValue"] >= 1
    assert props["DeletionProtection"] == {"Fn::If": ["IsProd", True, False]}
    assert props["PubliclyAccessible"] is False
    assert db["DeletionPolicy"] == db["UpdateReplacePolicy"] == "Snapshot"
    assert infra["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    params = infra["Resources"]["DatabaseParameterGroup"]["Properties"]["Parameters"]
    assert params["require_secure_transport"] == "1"


def test_functions_reach_the_database_only_through_a_tls_proxy(infra):
    res = infra["Resources"]
    proxy = res["DatabaseProxy"]["Properties"]

    assert proxy["RequireTLS"] is True
    # A secret per database user, for the proxy's own sign-in; clients need an IAM token.
    assert proxy["Auth"] == [
        {"AuthScheme": "SECRETS", "SecretArn": {"Ref": "DatabaseAppSecret"}, "IAMAuth": "REQUIRED"},
        {"AuthScheme": "SECRETS", "SecretArn": {"Ref": "DatabaseSecret"}, "IAMAuth": "REQUIRED"},
    ]
    role = res["DatabaseProxyRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert role["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [{"Ref": "DatabaseSecret"}, {"Ref": "DatabaseAppSecret"}],
        }
    ]
    assert res["DatabaseProxyTargetGroup"]["Properties"]["DBInstanceIdentifiers"] == [
        {"Ref": "Database"}
    ]
    assert res["DatabaseFromProxyIngress"]["Properties"]["SourceSecurityGroupId"] == {
        "Ref": "ProxySecurityGroup"
    }
    assert res["ProxyFromLambdaIngress"]["Properties"]["SourceSecurityGroupId"] == {
        "Ref": "LambdaSecurityGroup"
    }
    ingress = [r for r in res.values() if r["Type"] == "AWS::EC2::SecurityGroupIngress"]
    assert len(ingress) == 2 and not any("CidrIp" in r["Properties"] for r in ingress)
    assert res["DatabaseHostParameter"]["Properties"]["Value"] == {
        "Fn::GetAtt": ["DatabaseProxy", "Endpoint"]
    }


def test_the_secrets_are_generated_not_written_and_retained(infra):
    users = {}
    for name, path in (("DatabaseSecret", "database"), ("DatabaseAppSecret", "database-app")):
        resource = infra["Resources"][name]
        secret = resource["Properties"]

        assert "SecretString" not in secret
        assert secret["GenerateSecretString"]["GenerateStringKey"] == "password"
        assert secret["GenerateSecretString"]["ExcludePunctuation"] is True
        assert secret["Name"] == {"Fn::Sub": f"taskdesk/${{Stage}}/{path}"}
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
        users[name] = json.loads(secret["GenerateSecretString"]["SecretStringTemplate"])
    assert users == {
        "DatabaseSecret": {"username": "taskdesk"},
        "DatabaseAppSecret": {"username": "taskdesk_app"},
    }


def test_ses_identity_and_configuration_set_publish_bounces_and_complaints(infra):
    res = infra["Resources"]
    identity = res["MailIdentity"]["Properties"]
    destination = res["MailBounceAndComplaintEvents"]["Properties"]

    assert identity["EmailIdentity"] == {"Ref": "MailDomain"}
    assert identity["ConfigurationSetAttributes"] == {
        "ConfigurationSetName": {"Ref": "MailConfigurationSet"}
    }
    assert res["MailConfigurationSet"]["Properties"]["Name"] == {"Fn::Sub": "taskdesk-${Stage}"}
    assert destination["ConfigurationSetName"] == {"Ref": "MailConfigurationSet"}
    assert sorted(destination["EventDestination"]["MatchingEventTypes"]) == [
        "bounce",
        "complaint",
    ]
    assert destination["EventDestination"]["SnsDestination"] == {
        "TopicARN": {"Ref": "MailEventsTopic"}
    }


def test_alarms_cover_errors_throttles_and_the_dead_letter_queue(infra):
    alarms = {
        name: r["Properties"]
        for name, r in infra["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    watched = {
        (a["MetricName"], a["Dimensions"][0]["Value"].get("Fn::Sub", "queue"))
        for a in alarms.values()
        if a["Namespace"] in ("AWS/Lambda", "AWS/SQS")
    }

    for function in ("http", "reminders", "reports", "outbox", "escalate"):
        name = f"taskdesk-${{Stage}}-{function}"
        assert ("Errors", name) in watched
        assert ("Throttles", name) in watched
    assert ("ApproximateNumberOfMessagesVisible", "queue") in watched
    assert alarms["JobFailuresAlarm"]["Dimensions"][0]["Value"] == {
        "Fn::GetAtt": ["JobFailuresQueue", "QueueName"]
    }
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())


def test_alarms_watch_the_database_the_proxy_and_ses_reputation(infra):
    alarms = {
        (r["Properties"]["Namespace"], r["Properties"]["MetricName"]): r["Properties"]
        for r in infra["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }

    for metric in ("CPUUtilization", "DatabaseConnections", "FreeStorageSpace"):
        assert alarms[("AWS/RDS", metric)]["Dimensions"] == [
            {"Name": "DBInstanceIdentifier", "Value": {"Ref": "Database"}}
        ]
    for metric in ("AvailabilityPercentage", "DatabaseConnectionsBorrowLatency"):
        assert alarms[("AWS/RDS", metric)]["Dimensions"][0]["Name"] == "ProxyName"
    assert alarms[("AWS/SES", "Reputation.BounceRate")]["Threshold"] == 0.05
    assert alarms[("AWS/SES", "Reputation.ComplaintRate")]["Threshold"] == 0.001
