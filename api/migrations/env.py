import logging
from contextlib import contextmanager
from logging.config import fileConfig

from flask import current_app

from alembic import context
from api.cli import MigrationLocked

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# alembic.ini's logging only where nothing is configured yet: create_app() has installed
# taskdesk's handler (api/logs.py), and on Lambda the runtime owns the root handler; fileConfig
# would replace either and the JSON lines (with the request id) would stop.
if logging.getLogger().handlers:
    if logging.getLogger("alembic").level == logging.NOTSET:  # the CLI chose (api/cli.py)
        logging.getLogger("alembic").setLevel(logging.INFO)
else:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")
# The MySQL named lock every migration run holds (see migration_lock).
MIGRATION_LOCK = "taskdesk.migrate"


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
    except AttributeError:
        return str(get_engine().url).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


@contextmanager
def migration_lock(connection):
    """MySQL/MariaDB: hold the named lock MIGRATION_LOCK on this session while migrating.

    A second `migrate` (a retried invocation, an operator's `flask db upgrade`) waits up to
    MIGRATION_LOCK_TIMEOUT seconds for the first to finish, then reads the new head and has
    nothing left to do; it raises MigrationLocked if the lock is still held. SQLite has no such
    lock (one writer at a time already).
    """
    if connection.dialect.name not in ("mysql", "mariadb"):
        yield
        return
    timeout = int(current_app.config["MIGRATION_LOCK_TIMEOUT"])
    got = connection.exec_driver_sql("SELECT GET_LOCK(%s, %s)", (MIGRATION_LOCK, timeout)).scalar()
    connection.commit()
    if got != 1:
        raise MigrationLocked(
            f"another migration holds the lock {MIGRATION_LOCK!r}; gave up after {timeout} s"
        )
    try:
        yield
    finally:
        connection.rollback()
        connection.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (MIGRATION_LOCK,)).scalar()
        connection.commit()


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection, migration_lock(connection):
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # batch mode's DROP TABLE must not fire ON DELETE actions (api/db.py)
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)

        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
