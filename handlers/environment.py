"""Lambda start-up: the bundled dependencies on sys.path, and settings from SSM and Secrets Manager.

serverless.yml keeps every credential out of the template. When a function starts on Lambda,
`prepare` (called by handlers/__init__.py, before the app is built):

1. puts `$LAMBDA_TASK_ROOT/build/python-deps` first on sys.path: scripts/build-lambda-deps.sh
   installs requirements.txt there (arm64 wheels) and serverless.yml packages it with the code;
2. reads every parameter under `TASKDESK_SSM_PATH` (for example /taskdesk/prod/) with
   decryption, and sets the variable named after its last segment: `secret-key` -> SECRET_KEY,
   `app-base-url` -> APP_BASE_URL;
3. sets DATABASE_URL for the RDS Proxy endpoint, over TLS verified with the shipped RDS CA:
   with DATABASE_IAM_AUTH=true (serverless.yml) from DATABASE_HOST (the `database-host`
   parameter), DATABASE_PORT, DATABASE_USER and DATABASE_NAME, without a password
   (api/rds_iam.py signs an IAM token per connection); otherwise from the database secret
   `TASKDESK_DATABASE_SECRET` (JSON with username and password) and the `database-host`
   parameter.

A variable already set in the environment wins over both sources. Outside Lambda (no
`$LAMBDA_TASK_ROOT` directory: tests, `osls offline`, `osls invoke local`, which set
LAMBDA_TASK_ROOT=/var/task and IS_OFFLINE / IS_LOCAL) nothing is read. boto3 is imported only
when a source is configured; on Lambda the runtime provides it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

DEPS_DIR = "build/python-deps"
# The RDS and RDS Proxy CA certificates shipped in the bundle (api/certs, api.config.with_rds_ca
# turns `ssl_ca=rds` into its path): the same file on every target, whatever the OS holds.
CA_BUNDLE = "rds"


def on_lambda(environ: MutableMapping[str, str]) -> bool:
    """True inside a real Lambda sandbox (not `osls offline` or `osls invoke local`)."""
    if environ.get("IS_OFFLINE") or environ.get("IS_LOCAL"):
        return False
    root = environ.get("LAMBDA_TASK_ROOT")
    return bool(root) and Path(root).is_dir()


def add_bundled_dependencies(environ: MutableMapping[str, str], path: list[str]) -> str | None:
    """Put `$LAMBDA_TASK_ROOT/build/python-deps` first on `path` when it exists; returns it."""
    deps = Path(environ.get("LAMBDA_TASK_ROOT", "")) / DEPS_DIR
    if not deps.is_dir():
        return None
    if str(deps) not in path:
        path.insert(0, str(deps))
    return str(deps)


def variable_name(parameter_name: str, prefix: str) -> str:
    """`/taskdesk/prod/app-base-url` under prefix `/taskdesk/prod/` -> `APP_BASE_URL`."""
    return parameter_name[len(prefix) :].strip("/").replace("-", "_").replace("/", "_").upper()


def parameters(client: Any, prefix: str) -> dict[str, str]:
    """Every parameter directly under `prefix` (decrypted), as {VARIABLE_NAME: value}."""
    found: dict[str, str] = {}
    for page in client.get_paginator("get_parameters_by_path").paginate(
        Path=prefix.rstrip("/"), Recursive=False, WithDecryption=True
    ):
        for parameter in page["Parameters"]:
            found[variable_name(parameter["Name"], prefix.rstrip("/") + "/")] = parameter["Value"]
    return found


def database_url(secret: dict[str, Any], host: str, name: str = "taskdesk") -> str:
    """The SQLAlchemy URL for the secret's account on `host`, verified TLS, utf8mb4.

    `secret` has username and password, and optionally port and dbname (RDS adds port when the
    secret is attached to the instance). Raises KeyError when username or password is missing.
    """
    user = quote(str(secret["username"]), safe="")
    password = quote(str(secret["password"]), safe="")
    port = int(secret.get("port") or 3306)
    database = secret.get("dbname") or name
    return (
        f"mysql+pymysql://{user}:{password}@{host}:{port}/{database}"
        f"?charset=utf8mb4&ssl_ca={CA_BUNDLE}"
    )


def iam_database_url(environ: MutableMapping[str, str]) -> str:
    """The password-less SQLAlchemy URL for IAM authentication, verified TLS, utf8mb4.

    From DATABASE_HOST, DATABASE_USER, DATABASE_PORT (3306) and DATABASE_NAME (taskdesk).
    Raises KeyError naming DATABASE_HOST or DATABASE_USER when one is missing.
    """
    for name in ("DATABASE_HOST", "DATABASE_USER"):
        if not environ.get(name):
            raise KeyError(f"{name} is not set (DATABASE_IAM_AUTH=true needs it)")
    user = quote(environ["DATABASE_USER"], safe="")
    port = int(environ.get("DATABASE_PORT") or 3306)
    database = environ.get("DATABASE_NAME") or "taskdesk"
    return (
        f"mysql+pymysql://{user}@{environ['DATABASE_HOST']}:{port}/{database}"
        f"?charset=utf8mb4&ssl_ca={CA_BUNDLE}"
    )


def iam_auth(environ: MutableMapping[str, str]) -> bool:
    """True when DATABASE_IAM_AUTH asks for IAM authentication (1, true, yes)."""
    return environ.get("DATABASE_IAM_AUTH", "").lower() in ("1", "true", "yes")


def read_secret(secret_id: str, client_factory: Callable[[str], Any] | None = None) -> dict:
    """The JSON object stored in Secrets Manager under `secret_id`.

    Raises what boto3 raises (ResourceNotFoundException, AccessDeniedException) and ValueError
    when the secret is not a JSON object.
    """
    factory = client_factory or _boto3_client
    response = factory("secretsmanager").get_secret_value(SecretId=secret_id)
    value = json.loads(response["SecretString"])
    if not isinstance(value, dict):
        raise ValueError(f"secret {secret_id} is not a JSON object")
    return value


# The variables this process took from SSM and Secrets Manager (a refresh may replace them;
# a variable set in the function's environment is never replaced).
LOADED: set[str] = set()


def load_settings(
    environ: MutableMapping[str, str],
    client_factory: Callable[[str], Any],
    owned: set[str] | None = None,
) -> list[str]:
    """Fill `environ` from SSM and the database secret; returns the names it set (never values).

    A name already in `environ` is kept unless it is in `owned` (names an earlier call loaded:
    a refresh after a SnapStart restore replaces those with the current values).

    `client_factory(service)` returns a boto3 client. Raises what boto3 raises (the function then
    fails to start, which Lambda reports) and KeyError when the secret lacks username or password
    or when no `database-host` parameter exists.
    """
    found: dict[str, str] = {}
    prefix = environ.get("TASKDESK_SSM_PATH")
    if prefix:
        found.update(parameters(client_factory("ssm"), prefix))
    secret_id = environ.get("TASKDESK_DATABASE_SECRET")
    if iam_auth(environ) and (not environ.get("DATABASE_URL") or "DATABASE_URL" in (owned or ())):
        found["DATABASE_URL"] = iam_database_url({**found, **environ})
    elif secret_id and (not environ.get("DATABASE_URL") or "DATABASE_URL" in (owned or ())):
        host = environ.get("DATABASE_HOST") or found.get("DATABASE_HOST")
        if not host:
            raise KeyError("DATABASE_HOST (the database-host parameter) is not set")
        value = client_factory("secretsmanager").get_secret_value(SecretId=secret_id)
        found["DATABASE_URL"] = database_url(json.loads(value["SecretString"]), host)
    applied = [name for name in sorted(found) if name not in environ or name in (owned or ())]
    for name in applied:
        environ[name] = found[name]
    return applied


def _boto3_client(service: str) -> Any:
    import boto3

    return boto3.client(service)


def prepare(
    environ: MutableMapping[str, str] | None = None,
    path: list[str] | None = None,
    client_factory: Callable[[str], Any] = _boto3_client,
    refresh: bool = False,
) -> list[str]:
    """Run the Lambda start-up steps above; does nothing outside Lambda. Returns the names set.

    `refresh=True` (after a SnapStart restore) reads both sources again and replaces what the
    first call loaded, so a rotated secret or a changed parameter reaches a restored sandbox.
    """
    environ = os.environ if environ is None else environ
    path = sys.path if path is None else path
    if not on_lambda(environ):
        # `osls offline` / `osls invoke local` take serverless.yml's environment but connect to
        # the developer's DATABASE_URL, which takes a password, not an RDS Proxy IAM token, and
        # whose account is the developer's (migrate creates no application user there).
        environ.pop("DATABASE_IAM_AUTH", None)
        environ.pop("TASKDESK_APP_USER_SECRET", None)
        return []
    add_bundled_dependencies(environ, path)
    if not (
        environ.get("TASKDESK_SSM_PATH")
        or environ.get("TASKDESK_DATABASE_SECRET")
        or iam_auth(environ)
    ):
        return []
    names = load_settings(environ, client_factory, owned=LOADED if refresh else None)
    LOADED.update(names)
    log.info(
        "settings %s from SSM and Secrets Manager: %s",
        "refreshed" if refresh else "loaded",
        ", ".join(names),
    )
    return names
