"""The application's own MySQL account: DML on the app's schema and nothing else.

On AWS the functions connect to RDS Proxy as this account with an IAM token (api/rds_iam.py);
the proxy signs in to the database with the account's password from its own Secrets Manager
secret (infra/database.yml, DatabaseAppSecret). The `migrate` function, acting as the master user,
creates the account with that password and keeps its grants exact (handlers/jobs.py):

- `CREATE USER IF NOT EXISTS` -- an existing account keeps its password (rotating it is the
  secret's rotation's job, which changes both);
- grants compared with SHOW GRANTS FOR; only when they differ are they revoked and granted again,
  so a second run changes nothing.

Schema changes (CREATE, ALTER, DROP, INDEX) stay with the master user, which runs migrations.
"""

from __future__ import annotations

import re
from typing import Any

# The app reads and writes rows; it never changes the schema (migrations do, as the master user).
APP_PRIVILEGES = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})
# MySQL account names: at most 32 characters (MySQL 8 reference, "Account Names"); taskdesk
# allows letters, digits and _ so that names are inlined without quoting questions.
_NAME = re.compile(r"^[A-Za-z0-9_]{1,32}$")
_SCHEMA = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_GRANT = re.compile(r"^GRANT (?P<privileges>.+?) ON (?P<target>\S+) TO ")


def _account(username: str, host: str) -> str:
    # PyMySQL formats every statement with its parameters (%-style), so the host wildcard is %%.
    return f"'{username}'@'{host.replace('%', '%%')}'"


def _schema_pattern(schema: str) -> str:
    # In a database-level GRANT, _ and % are wildcards: escape them so the grant names exactly
    # this schema (MySQL 8 reference, GRANT statement, "Database Privileges").
    return "`" + schema.replace("_", r"\_").replace("%", r"\%") + "`.*"


def current_grants(connection: Any, username: str, host: str = "%") -> dict[str, set[str]]:
    """{target: privileges} from SHOW GRANTS FOR the account, USAGE left out; {} when none.

    Raises the driver's error when the account does not exist.
    """
    grants: dict[str, set[str]] = {}
    for (line,) in connection.exec_driver_sql(f"SHOW GRANTS FOR {_account(username, host)}", ()):
        match = _GRANT.match(line)
        if not match:
            continue
        privileges = {p.strip().upper() for p in match["privileges"].split(",")}
        privileges.discard("USAGE")
        if " WITH GRANT OPTION" in line.upper():
            privileges.add("GRANT OPTION")
        if privileges:
            grants.setdefault(match["target"], set()).update(privileges)
    return grants


def ensure_app_user(
    connection: Any, username: str, password: str, schema: str, host: str = "%"
) -> dict[str, bool]:
    """Create `username`@`host` with `password` unless it exists, and make its grants exactly
    SELECT, INSERT, UPDATE, DELETE on `schema`. Returns {"created": bool, "granted": bool}.

    `connection` is a SQLAlchemy Connection of an account with CREATE USER, SELECT on mysql.* and
    those privileges WITH GRANT OPTION on `schema` (the RDS master user). Raises ValueError for a
    user or schema name outside [A-Za-z0-9_] (32 / 64 characters) or an empty password.
    """
    if not _NAME.match(username):
        raise ValueError("database user name: letters, digits and _ only, at most 32 characters")
    if not _SCHEMA.match(schema):
        raise ValueError("database name: letters, digits and _ only, at most 64 characters")
    if not password:
        raise ValueError("the database user's password is empty")
    if host not in ("%", "localhost", "127.0.0.1"):
        raise ValueError("database user host must be %, localhost or 127.0.0.1")
    exists = connection.exec_driver_sql(
        "SELECT COUNT(*) FROM mysql.user WHERE User = %s AND Host = %s", (username, host)
    ).scalar()
    created = not exists
    account = _account(username, host)
    if created:
        connection.exec_driver_sql(
            f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY %s", (password,)
        )
    target = _schema_pattern(schema)
    expected = {target: set(APP_PRIVILEGES)}
    granted = current_grants(connection, username, host) != expected
    if granted:
        if not created:
            connection.exec_driver_sql(f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account}", ())
        privileges = ", ".join(sorted(APP_PRIVILEGES))
        connection.exec_driver_sql(
            f"GRANT {privileges} ON {target.replace('%', '%%')} TO {account}", ()
        )
    return {"created": created, "granted": granted}
