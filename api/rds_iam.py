"""IAM authentication to RDS Proxy: a fresh signed token as the password of every new connection.

On Lambda (serverless.yml: DATABASE_IAM_AUTH=true, DATABASE_HOST/PORT/USER/NAME) the database
URL carries no password (handlers/environment.py builds it). `install` adds a SQLAlchemy
`do_connect` listener to the engine that, each time the pool opens a connection:

- signs an authentication token for the URL's host, port and user with boto3's
  `rds.generate_db_auth_token` (a local SigV4 presign with the function role's credentials: no
  network call; the role needs `rds-db:connect` on `dbuser:<proxy resource id>/<user>`);
- passes it as the password (PyMySQL answers the proxy's `mysql_clear_password` request with it,
  which is why TLS is required), and
- requires TLS verified against the RDS CA bundle shipped with the app (api.config.RDS_CA_BUNDLE).

A token is valid for 15 minutes, but only when a connection is opened: "The token is only used
for authentication and doesn't affect the session after it is established" (Amazon RDS User
Guide, "IAM database authentication for MariaDB, MySQL, and PostgreSQL"). So pooled
connections need no recycling below 15 minutes (pool_recycle stays api.config's, for the proxy's
idle timeout), and a rotated role credential or a new token reaches the next connection by itself.

boto3 is imported on first use (the runtime provides it); the client is cached and dropped before
a SnapStart snapshot (handlers/snapstart.py) so no copy shares its credentials or connections.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

# Where the app keeps its IamAuth (app.extensions key).
EXTENSION = "rds_iam"


def _boto3_rds_client() -> Any:
    import boto3

    return boto3.client("rds")


class IamAuth:
    """Signs RDS IAM authentication tokens with one cached boto3 `rds` client."""

    def __init__(self, client_factory: Callable[[], Any] = _boto3_rds_client) -> None:
        self._factory = client_factory
        self._client: Any = None

    def client(self) -> Any:
        """The cached boto3 rds client, created on first use (region from AWS_REGION)."""
        if self._client is None:
            self._client = self._factory()
        return self._client

    def drop_client(self) -> None:
        """Forget the cached client (before a SnapStart snapshot); the next token builds one."""
        self._client = None

    def token(self, host: str, port: int, user: str) -> str:
        """A token for `user` at `host`:`port`, valid 15 minutes for opening a connection.

        Raises what botocore raises when no credentials are available (NoCredentialsError).
        """
        return self.client().generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user)

    def on_connect(self, dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        """`do_connect` listener: set the token as password and verified TLS in `cparams`."""
        from api.config import RDS_CA_BUNDLE

        port = int(cparams.get("port") or 3306)
        cparams["password"] = self.token(cparams["host"], port, cparams["user"])
        cparams.pop("passwd", None)
        cparams["ssl"] = {"ca": str(RDS_CA_BUNDLE), "check_hostname": True}


def install(engine: sa.Engine, auth: IamAuth) -> None:
    """Sign every new connection of `engine` with `auth` (MySQL / PyMySQL engines only)."""
    sa.event.listen(engine, "do_connect", auth.on_connect)
