"""The migrations build exactly the schema the models describe, on MariaDB and on SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from api import create_app, fulltext
from api.cli import MigrationLocked, upgrade_database
from api.extensions import db as _db


def _differences(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                # full-text structures live outside the models (api/fulltext.py)
                "include_object": lambda _o, name, *_: name not in fulltext.OBJECTS,
            },
        )
        return compare_metadata(context, _db.metadata)


def test_migrated_test_database_matches_the_models(app, db):
    """The session's database was built by `upgrade_database` (tests/conftest.py)."""
    assert _differences(db.engine) == []


def test_migrated_database_is_at_head(app, db):
    from alembic.script import ScriptDirectory

    from api.cli import MIGRATIONS

    heads = ScriptDirectory(MIGRATIONS).get_heads()
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    assert len(heads) == 1, f"migrations branch: {heads}"
    assert set(current) == set(heads)


def test_fresh_sqlite_database_upgrades_and_matches(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
    upgrade_database(fresh)
    with fresh.app_context():
        engine = _db.engine
        assert _differences(engine) == []
        tables = set(sa.inspect(engine).get_table_names())
        assert {table.name for table in _db.metadata.sorted_tables} <= tables
        with engine.connect() as conn:
            # Foreign keys are enforced on SQLite as on MariaDB, after the migrations too.
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        engine.dispose()


def _scratch_url(database_url: str, tmp_path) -> str:
    """A second, empty database of the same kind as the session's (MariaDB or SQLite)."""
    if not database_url.startswith("mysql"):
        return f"sqlite:///{tmp_path / 'roundtrip.db'}"
    from tests.conftest import _recreate_mysql_database

    parsed = sa.make_url(database_url)
    url = parsed.set(database=f"{parsed.database}_roundtrip").render_as_string(hide_password=False)
    _recreate_mysql_database(url)
    return url


def test_downgrade_to_base_and_back(database_url, tmp_path):
    """Every downgrade runs on the session's database kind: MariaDB refuses some orders of drops."""
    url = _scratch_url(database_url, tmp_path)
    fresh = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
    upgrade_database(fresh)
    from flask_migrate import downgrade

    from api.cli import MIGRATIONS

    with fresh.app_context():
        downgrade(directory=MIGRATIONS, revision="base")
        assert set(sa.inspect(_db.engine).get_table_names()) <= {"alembic_version"}
    upgrade_database(fresh)
    with fresh.app_context():
        assert _differences(_db.engine) == []
        _db.engine.dispose()


def test_a_second_migration_waits_for_the_named_lock_and_gives_up(database_url, tmp_path):
    """MariaDB: while another session holds the migration lock, `migrate` changes nothing and
    says why; once it is released the same run applies every revision."""
    if not database_url.startswith("mysql"):
        pytest.skip("GET_LOCK is MySQL/MariaDB's; SQLite has one writer at a time")
    url = _scratch_url(database_url, tmp_path)
    fresh = create_app(
        {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "MIGRATION_LOCK_TIMEOUT": 1}
    )
    holder = sa.create_engine(url)
    with holder.connect() as other:
        assert other.exec_driver_sql("SELECT GET_LOCK('taskdesk.migrate', 0)").scalar() == 1
        with pytest.raises(MigrationLocked, match="another migration holds the lock"):
            upgrade_database(fresh)
        with fresh.app_context():
            assert "alembic_version" not in sa.inspect(_db.engine).get_table_names()
        other.exec_driver_sql("SELECT RELEASE_LOCK('taskdesk.migrate')")
    holder.dispose()
    upgrade_database(fresh)
    with fresh.app_context():
        assert _differences(_db.engine) == []
        _db.engine.dispose()


def _at(app, revision: str, direction: str = "upgrade") -> None:
    from flask_migrate import downgrade

    from api.cli import MIGRATIONS

    if direction == "upgrade":
        upgrade_database(app, revision)
        return
    with app.app_context():
        downgrade(directory=MIGRATIONS, revision=revision)


def test_0005_files_todays_tasks_into_general_and_back(database_url, tmp_path):
    """Issue 14: on a database with today's data the upgrade loses no row: every task lands in
    General with numbers 1..n in id order, its assignee among task_assignees, every active
    account a member (administrators and managers as leads); code older than 0005 can still
    insert a task; the downgrade keeps every task and user."""
    url = _scratch_url(database_url, tmp_path)
    fresh = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
    _at(fresh, "0004_linked_identities")
    engine = sa.create_engine(url)
    now = "2026-11-30 10:00:00"
    with engine.begin() as conn:
        for n, (role, status) in enumerate(
            [
                ("admin", "active"),
                ("manager", "active"),
                ("employee", "active"),
                ("employee", "pending"),
                ("employee", "disabled"),
            ],
            1,
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, email, username, password_hash, role, requested_role,"
                    " status, timezone, notify_daily_reminder, notify_reports, notify_sign_in,"
                    " created_at) VALUES (:id, :email, :name, 'x', :role, :role, :status, 'UTC',"
                    " 1, 1, 0, :now)"
                ),
                {
                    "id": n,
                    "email": f"u{n}@example.com",
                    "name": f"u{n}",
                    "role": role,
                    "status": status,
                    "now": now,
                },
            )
        for task_id, assignee in [(5, 3), (2, None), (9, 2)]:
            conn.execute(
                sa.text(
                    "INSERT INTO tasks (id, title, description, status, priority, assignee_id,"
                    " created_by_id, created_at, updated_at, version) VALUES (:id, :t, '',"
                    " 'pending', 'normal', :a, 2, :now, :now, 1)"
                ),
                {"id": task_id, "t": f"Task {task_id}", "a": assignee, "now": now},
            )
    _at(fresh, "0005_projects")
    with engine.begin() as conn:
        gen_id, next_number = conn.execute(
            sa.text(
                "SELECT id, next_number FROM projects WHERE `key` = 'GEN'"
                if url.startswith("mysql")
                else "SELECT id, next_number FROM projects WHERE key = 'GEN'"
            )
        ).one()
        assert next_number == 4
        rows = conn.execute(sa.text("SELECT id, project_id, number FROM tasks ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(2, gen_id, 1), (5, gen_id, 2), (9, gen_id, 3)]
        assignees = conn.execute(
            sa.text("SELECT task_id, user_id FROM task_assignees ORDER BY task_id")
        ).all()
        assert [tuple(r) for r in assignees] == [(5, 3), (9, 2)]
        members = conn.execute(
            sa.text("SELECT user_id, role FROM project_members ORDER BY user_id")
        ).all()
        assert [tuple(r) for r in members] == [(1, "lead"), (2, "lead"), (3, "member")]
        # Code older than 0005 inserts a task as it always did: no project, no number.
        conn.execute(
            sa.text(
                "INSERT INTO tasks (id, title, description, status, priority, assignee_id,"
                " created_by_id, created_at, updated_at, version) VALUES (11, 'Old code', '',"
                " 'pending', 'normal', 3, 2, :now, :now, 1)"
            ),
            {"now": now},
        )
    _at(fresh, "0004_linked_identities", "downgrade")
    with engine.begin() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        assert not {"projects", "project_members", "labels", "task_assignees"} & tables
        assert conn.execute(sa.text("SELECT count(*) FROM tasks")).scalar() == 4
        assert conn.execute(sa.text("SELECT count(*) FROM users")).scalar() == 5
    engine.dispose()
