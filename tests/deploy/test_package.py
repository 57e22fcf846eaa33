"""`osls package --stage prod`: the CloudFormation template and the function bundle, offline."""

from __future__ import annotations

import json
import subprocess

from tests.deploy.conftest import ROOT, VENV_BIN

# The bundle budget, unzipped (Lambda allows 250 MB). 25 MB until single sign-on: verifying an
# OpenID Connect ID token (RS256 / ES256) needs `cryptography`, whose statically linked OpenSSL
# is 10 MB stripped, plus Authlib, joserfc and requests; they are imported only by sign-ins
# through a provider, so the cold start of every other request is unchanged. 40 MB until the
# calendar feed (icalendar), signed webhooks (standardwebhooks) and the board, bulk actions, saved
# views, search, CSV, status page and personal tokens added 2 MB of their own code: a budget
# catches an accident (a test suite, a second copy of a library), and SnapStart restores an
# initialised snapshot, so the bytes on disk do not reach the cold start.
LIMIT_BYTES = 45 * 1000 * 1000
FUNCTIONS = ("Http", "Reminders", "Reports", "Outbox", "Migrate", "Admin")


def _statements(packaged) -> list[dict]:
    role = packaged.resources["IamRoleLambdaExecution"]["Properties"]
    return [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def test_package_needs_no_credentials_and_cfn_lint_passes(packaged):
    template = packaged.directory / "cloudformation-template-update-stack.json"

    lint = subprocess.run(
        [str(VENV_BIN / "cfn-lint"), str(template)],
        cwd=ROOT,  # picks up .cfnlintrc
        capture_output=True,
        text=True,
    )

    assert lint.returncode == 0, lint.stdout + lint.stderr
    print(
        f"\npackage: {packaged.seconds:.1f} s, {len(packaged.resources)} resources, "
        f"bundle {packaged.bundle.stat().st_size / 1e6:.1f} MB zipped, "
        f"{packaged.unzipped_bytes() / 1e6:.1f} MB unzipped"
    )


def test_bundle_holds_the_app_and_arm64_dependencies_under_its_budget(packaged):
    names = packaged.names()
    tops = {name.split("/", 1)[0] for name in names}

    assert packaged.unzipped_bytes() < LIMIT_BYTES
    assert tops == {"api", "handlers", "build"}
    assert "handlers/http.py" in names and "handlers/jobs.py" in names
    assert "api/migrations/env.py" in names
    assert "api/index.py" not in names  # Vercel's entry point
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    deps = {
        n.split("/")[2].removesuffix(".py") for n in names if n.startswith("build/python-deps/")
    }
    assert {"flask", "sqlalchemy", "pymysql", "serverless_wsgi", "alembic"} <= deps
    assert not deps & {"boto3", "botocore", "gunicorn", "pytest", "moto"}
    assert "api/certs/rds-ca-bundle.pem" in names
    binaries = [n for n in names if n.endswith(".so")]
    assert binaries and all("aarch64" in n or "abi3" in n for n in binaries), binaries


def test_every_function_runs_python312_on_arm64_in_the_vpc_logging_json(packaged):
    for name in FUNCTIONS:
        props = packaged.resources[f"{name}LambdaFunction"]["Properties"]
        assert props["Runtime"] == "python3.12", name
        assert props["LoggingConfig"] == {
            "LogFormat": "JSON",
            "ApplicationLogLevel": "INFO",
            "SystemLogLevel": "WARN",
        }, name
        assert props.get("EphemeralStorage", {"Size": 512})["Size"] <= 512
        assert props["Architectures"] == ["arm64"], name
        assert props["VpcConfig"]["SubnetIds"] == [
            {"Ref": "PrivateSubnetA"},
            {"Ref": "PrivateSubnetB"},
        ]
        assert props["VpcConfig"]["SecurityGroupIds"] == [{"Ref": "LambdaSecurityGroup"}]
        env = props["Environment"]["Variables"]
        assert env["TASKDESK_ENV"] == "production"
        assert env["TASKDESK_SSM_PATH"] == "/taskdesk/prod/"
        assert "TASKDESK_DATABASE_SECRET" not in env  # IAM tokens, no password
        # Settings and secrets are read at start, never written into the template.
        assert not {"SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL", "CRON_SECRET"} & set(env)


def test_no_secret_value_is_in_the_template(packaged):
    text = json.dumps(packaged.template)
    password = packaged.resources["Database"]["Properties"]["MasterUserPassword"]

    assert password == {
        "Fn::Sub": "{{resolve:secretsmanager:${DatabaseSecret}:SecretString:password}}"
    }
    for marker in ("${ssm:", "mysql+pymysql://", "offline-secret-key", "AKIA"):
        assert marker not in text


def test_http_function_is_on_an_http_api_with_payload_2(packaged):
    integration = packaged.resources["HttpApiIntegrationHttp"]["Properties"]
    route = packaged.resources["HttpApiRouteDefault"]["Properties"]

    assert packaged.resources["HttpApi"]["Properties"]["ProtocolType"] == "HTTP"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert route["RouteKey"] == "$default"


def test_jobs_run_on_eventbridge_schedules_with_a_failure_destination(packaged):
    schedules = {
        name: packaged.resources[f"{name}EventsRuleSchedule1"]["Properties"]["ScheduleExpression"]
        for name in ("Reminders", "Reports", "Outbox")
    }

    assert schedules == {
        "Reminders": "rate(1 hour)",
        "Reports": "cron(0 8 ? * MON *)",
        "Outbox": "rate(5 minutes)",
    }
    for name in schedules:
        targets = packaged.resources[f"{name}EventsRuleSchedule1"]["Properties"]["Targets"]
        assert targets[0]["Arn"] == {"Fn::GetAtt": [f"{name}LambdaFunction", "Arn"]}
        config = packaged.resources[f"{name}LambdaEvConf"]["Properties"]
        assert config["DestinationConfig"]["OnFailure"]["Destination"] == {
            "Fn::GetAtt": ["JobFailuresQueue", "Arn"]
        }
    assert "MigrateEventsRuleSchedule1" not in packaged.resources  # invoked by the pipeline
    assert not any(k.startswith("HttpEventsRule") for k in packaged.resources)


def test_iam_is_least_privilege(packaged):
    statements = _statements(packaged)
    by_action: dict[str, list] = {}
    for statement in statements:
        actions = statement["Action"]
        for action in [actions] if isinstance(actions, str) else actions:
            by_action.setdefault(action, []).append(statement["Resource"])

    assert statements and all(s["Effect"] == "Allow" for s in statements)
    assert by_action["ses:SendEmail"] == [
        [
            {
                "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailDomain}"
            },
            {
                "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${MailConfigurationSet}"
            },
        ]
    ]
    # No secret at all: the database is reached with IAM tokens as the app user only.
    assert "secretsmanager:GetSecretValue" not in by_action
    assert by_action["rds-db:connect"] == [[_db_user("taskdesk_app")]]
    assert by_action["ssm:GetParametersByPath"] == [
        [
            {
                "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/taskdesk/prod"
            }
        ]
    ]
    assert all(
        r == {"Fn::GetAtt": ["JobFailuresQueue", "Arn"]} for r in by_action["sqs:SendMessage"]
    )
    # Only ses:GetAccount (no resource-level permissions in SES) may use "*".
    wildcard = {a for a, resources in by_action.items() if "*" in resources}
    assert wildcard == {"ses:GetAccount"}
    assert not any(a.endswith(":*") or a == "*" for a in by_action)


def _db_user(name: str) -> dict:
    """The rds-db:connect resource for database user `name` through the RDS Proxy."""
    return {
        "Fn::Sub": [
            "arn:${AWS::Partition}:rds-db:${AWS::Region}:${AWS::AccountId}:dbuser:${ProxyId}/"
            + name,
            {
                "ProxyId": {
                    "Fn::Select": [
                        6,
                        {"Fn::Split": [":", {"Fn::GetAtt": ["DatabaseProxy", "DBProxyArn"]}]},
                    ]
                }
            },
        ]
    }


def test_proxy_resource_id_is_the_last_field_of_the_proxy_arn():
    # The documented DBProxyArn shape; rds-db:connect names the proxy by its resource id.
    arn = "arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0123456789abcdef0"

    assert arn.split(":")[6] == "prx-0123456789abcdef0"


def test_functions_sign_in_with_iam_and_only_migrate_acts_as_the_master_user(packaged):
    resources = packaged.resources
    envs = {
        name: resources[f"{name}LambdaFunction"]["Properties"]["Environment"]["Variables"]
        for name in FUNCTIONS
    }
    roles = {name: resources[f"{name}LambdaFunction"]["Properties"]["Role"] for name in FUNCTIONS}
    migrate_policy = resources["MigrateRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    migrate = {
        s["Action"] if isinstance(s["Action"], str) else tuple(s["Action"]): s["Resource"]
        for s in migrate_policy["Statement"]
    }
    app_secret = json.loads(
        resources["DatabaseAppSecret"]["Properties"]["GenerateSecretString"]["SecretStringTemplate"]
    )

    for name, env in envs.items():
        assert env["DATABASE_IAM_AUTH"] == "true", name
        assert "DATABASE_HOST" not in env, name  # the SSM parameter database-host
        assert (env["DATABASE_PORT"], env["DATABASE_NAME"]) == ("3306", "taskdesk"), name
        assert "TASKDESK_DATABASE_SECRET" not in env and "DATABASE_URL" not in env, name
        expected = "taskdesk" if name == "Migrate" else app_secret["username"]
        assert env["DATABASE_USER"] == expected, name
        if name != "Migrate":
            assert roles[name] == {"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]}, name
            assert "TASKDESK_APP_USER_SECRET" not in env, name
    assert roles["Migrate"] == {"Fn::GetAtt": ["MigrateRole", "Arn"]}
    assert envs["Migrate"]["TASKDESK_APP_USER_SECRET"] == "taskdesk/prod/database-app"
    assert migrate["rds-db:connect"] == [_db_user("taskdesk")]
    assert migrate["secretsmanager:GetSecretValue"] == [{"Ref": "DatabaseAppSecret"}]
    assert set(migrate) == {
        ("logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"),
        "logs:PutLogEvents",
        "ssm:GetParametersByPath",
        "secretsmanager:GetSecretValue",
        "rds-db:connect",
    }
    assert all("*" not in json.dumps(r).replace(":*", "") for r in migrate.values())
    assert resources["MigrateRole"]["Properties"]["ManagedPolicyArns"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/"
            "AWSLambdaVPCAccessExecutionRole"
        }
    ]


def test_stage_parameters_set_the_infra_defaults(packaged):
    params = packaged.template["Parameters"]

    assert params["Stage"]["Default"] == "prod"
    assert params["MailDomain"] == {
        **params["MailDomain"],
        "Type": "AWS::SSM::Parameter::Value<String>",
        "Default": "/taskdesk/prod/mail-domain",
    }
    assert params["DatabaseInstanceClass"]["Default"] == "db.t4g.small"
    assert params["DatabaseBackupRetentionDays"]["Default"] == 14


def test_dnspython_is_left_out_only_because_no_call_checks_deliverability(packaged):
    names = packaged.names()
    calls = [
        line.strip()
        for path in (ROOT / "api").rglob("*.py")
        for line in path.read_text().splitlines()
        if "validate_email(" in line and "import" not in line
    ]

    assert not [n for n in names if n.startswith("build/python-deps/dns/")]
    assert calls and all("check_deliverability=False" in call for call in calls), calls


def test_http_runs_with_snapstart_behind_an_alias_and_a_concurrency_cap(packaged):
    resources = packaged.resources
    http = resources["HttpLambdaFunction"]["Properties"]
    alias = resources["HttpSnapStartLambdaAlias"]["Properties"]
    integration = resources["HttpApiIntegrationHttp"]["Properties"]

    assert http["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert http["ReservedConcurrentExecutions"] == 50
    assert alias["Name"] == "snapstart" and "Fn::GetAtt" in alias["FunctionVersion"]
    assert integration["IntegrationUri"] == {
        "Fn::Join": [":", [{"Fn::GetAtt": ["HttpLambdaFunction", "Arn"]}, "snapstart"]]
    }
    assert not [k for k, v in resources.items() if "ProvisionedConcurrency" in json.dumps(v)]
    # The proxy gives up on a connection before the function times out.
    pool = resources["DatabaseProxyTargetGroup"]["Properties"]["ConnectionPoolConfigurationInfo"]
    assert pool["ConnectionBorrowTimeout"] < http["Timeout"]


def test_migrate_never_runs_twice_at_once(packaged):
    migrate = packaged.resources["MigrateLambdaFunction"]["Properties"]

    assert migrate["ReservedConcurrentExecutions"] == 1
    assert migrate["Timeout"] == 300


def test_ses_sandbox_statement_is_conditional_and_scoped_to_the_mail_domain(packaged):
    policy = packaged.resources["MailSandboxPolicy"]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]

    assert policy["Condition"] == "InSesSandbox"
    assert packaged.template["Parameters"]["SesSandbox"]["Default"] == "true"
    assert statement["Action"] == "ses:SendEmail"
    assert statement["Condition"] == {
        "StringLike": {"ses:FromAddress": {"Fn::Sub": "*@${MailDomain}"}}
    }
    assert policy["Properties"]["Roles"] == [{"Ref": "IamRoleLambdaExecution"}]


def test_http_api_5xx_latency_and_outbox_dead_letters_raise_alarms(packaged):
    resources = packaged.resources
    five = resources["HttpApi5xxAlarm"]["Properties"]
    latency = resources["HttpApiLatencyAlarm"]["Properties"]
    metric_filter = resources["OutboxDeadMetricFilter"]["Properties"]
    dead = resources["OutboxDeadAlarm"]["Properties"]

    assert (five["Namespace"], five["MetricName"]) == ("AWS/ApiGateway", "5xx")
    assert five["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}]
    assert latency["ExtendedStatistic"] == "p99"
    assert "$.result.dead > 0" in metric_filter["FilterPattern"]
    transform = metric_filter["MetricTransformations"][0]
    assert (transform["MetricNamespace"], transform["MetricName"]) == (
        dead["Namespace"],
        dead["MetricName"],
    )
    access = resources["HttpApiStage"]["Properties"]["AccessLogSettings"]
    assert json.loads(access["Format"])["requestId"] == "$context.requestId"
