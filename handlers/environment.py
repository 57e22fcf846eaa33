"""Lambda start-up: the bundled dependencies on sys.path, and settings from SSM and Secrets Manager.

serverless.yml keeps every credential out of the template. When a function starts on Lambda,
`prepare` (called by handlers/__init__.py, before the app is built):

1. puts `$LAMBDA_TASK_ROOT/build/python-deps` first on sys.path: scripts/build-lambda-deps.sh
   installs requirements.txt there (arm64 wheels) and serverless.yml packages it with the code;
2. reads every parameter under `TASKDESK_SSM_PATH` (for example /taskdesk/prod/) with
   decryption, and sets the variable named after its last segment: `secret-key` -> SECRET_KEY,
   `app-base-url` -> APP_BASE_URL;
3. reads the database secret `TASKDESK_DATABASE_SECRET` (JSON with username and password, as
   infra/database.yml generates it) and sets DATABASE_URL for the RDS Proxy endpoint given by
   the `database-host` parameter, over TLS.

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
    if secret_id and (not environ.get("DATABASE_URL") or "DATABASE_URL" in (owned or ())):
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
        return []
    add_bundled_dependencies(environ, path)
    if not (environ.get("TASKDESK_SSM_PATH") or environ.get("TASKDESK_DATABASE_SECRET")):
        return []
    names = load_settings(environ, client_factory, owned=LOADED if refresh else None)
    LOADED.update(names)
    log.info(
        "settings %s from SSM and Secrets Manager: %s",
        "refreshed" if refresh else "loaded",
        ", ".join(names),
    )
    return names
