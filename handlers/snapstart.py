"""Lambda SnapStart runtime hooks for the `http` function (serverless.yml `snapStart: true`).

Lambda initialises the function once per published version (handlers/http.py builds the app),
runs the before-snapshot hooks, snapshots the sandbox, and resumes copies of that snapshot for
every new sandbox, running the after-restore hooks first (together within Lambda's 10 s
restore-hook limit). What must not be shared by every copy:

- before the snapshot: every database engine is disposed (no pooled connection or TLS session
  in the snapshot; pools reconnect on first use) and the mail backends' cached boto3 clients
  are dropped (their HTTP connections and credentials);
- after the restore: the settings are read again from SSM and Secrets Manager (a secret rotated
  since the snapshot reaches the sandbox; `handlers.environment.prepare(refresh=True)`), the
  app's config takes the new values, the engines are disposed once more, and every random
  generator that is not `secrets` is reseeded from os.urandom (the global `random` and the
  outbox's backoff jitter), so copies do not draw the same numbers.

`snapshot_restore_py` is part of the managed Python runtimes (requirements-dev.txt pins it for
the tests); without it (tests importing handlers outside Lambda) `register` does nothing.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from flask import Flask

log = logging.getLogger("handlers.snapstart")
# Settings whose app.config key is not the variable's name.
_CONFIG_KEYS = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}


def before_snapshot(app: Flask) -> None:
    """Dispose every engine of `app` and drop its cached mail backends (boto3 clients)."""
    from api.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()
    app.extensions.pop("mail_backends", None)
    log.info("before snapshot: database engines disposed, boto3 clients dropped")


def after_restore(app: Flask, environ: Any = None) -> list[str]:
    """Reseed the generators, re-read SSM and the secret into `app.config`; returns the names
    refreshed. Raises what handlers.environment.prepare raises (the restore then fails and
    Lambda reports it)."""
    from api.config import with_rds_ca
    from api.extensions import db
    from api.notifications import delivery
    from handlers.environment import prepare

    random.seed()
    delivery._jitter.seed()
    names = prepare(environ=environ, refresh=True)
    import os

    source = os.environ if environ is None else environ
    for name in names:
        key = _CONFIG_KEYS.get(name, name)
        if key in app.config:
            value = source[name]
            app.config[key] = with_rds_ca(value) if key == "SQLALCHEMY_DATABASE_URI" else value
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()
    app.extensions.pop("mail_backends", None)
    log.info("after restore: generators reseeded, settings refreshed: %s", ", ".join(names))
    return names


def register(app: Flask) -> bool:
    """Register both hooks for `app` with snapshot_restore_py; False when it is not installed."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot, app)
    register_after_restore(after_restore, app)
    return True
