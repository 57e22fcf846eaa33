"""SnapStart hooks (handlers/snapstart.py): nothing pooled in the snapshot, settings and random
generators fresh in every restored sandbox."""

from __future__ import annotations

import random

import boto3
import pytest
import snapshot_restore_py
from moto import mock_aws
from sqlalchemy import text

from api.extensions import db
from api.notifications import delivery
from handlers import environment, snapstart


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A Lambda-like environ whose SECRET_KEY came from SSM, and moto's SSM holding a new one."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        boto3.client("ssm").put_parameter(
            Name="/taskdesk/test/secret-key", Value="rotated-" + "s" * 40, Type="SecureString"
        )
        environ = {
            "LAMBDA_TASK_ROOT": str(tmp_path),
            "TASKDESK_SSM_PATH": "/taskdesk/test/",
            "SECRET_KEY": "before-snapshot-" + "b" * 40,
            "JWT_SECRET_KEY": "from-the-function-environment-" + "j" * 20,
        }
        monkeypatch.setattr(environment, "LOADED", {"SECRET_KEY"})
        yield environ


def test_before_snapshot_leaves_no_pooled_connection(app):
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        assert db.engine.pool.checkedin() >= 1
    app.extensions["mail_backends"] = {("ses", False): object()}

    snapstart.before_snapshot(app)

    with app.app_context():
        assert db.engine.pool.checkedin() == 0
    assert "mail_backends" not in app.extensions


def test_after_restore_rereads_settings_and_reseeds(app, sandbox):
    random.seed(7)
    delivery._jitter.seed(7)
    expected = random.Random(7).random()

    names = snapstart.after_restore(app, environ=sandbox)

    assert names == ["SECRET_KEY"]
    assert app.config["SECRET_KEY"] == "rotated-" + "s" * 40
    assert sandbox["JWT_SECRET_KEY"].startswith("from-the-function-environment")
    assert random.random() != expected and delivery._jitter.random() != expected
    with app.app_context():  # the engine reconnects on first use
        assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_register_puts_both_hooks_in_the_runtime_registry(app, monkeypatch):
    monkeypatch.setattr(snapshot_restore_py, "_before_snapshot_registry", [])
    monkeypatch.setattr(snapshot_restore_py, "_after_restore_registry", [])

    assert snapstart.register(app) is True
    (before,) = snapshot_restore_py._before_snapshot_registry
    (after,) = snapshot_restore_py._after_restore_registry
    assert before[0] is snapstart.before_snapshot and before[1] == (app,)
    assert after[0] is snapstart.after_restore and after[1] == (app,)
