#!/usr/bin/env bash
# Make sure a MariaDB server answers on 127.0.0.1:3306 and that the test account exists.
# Installs mariadb-server with apt-get when absent and starts it when down (as root).
# Prints the SQLAlchemy URL of the test database on its last line.
set -euo pipefail

HOST=127.0.0.1
PORT=3306
DB_USER=taskdesk
DB_PASS=taskdesk
DB_NAME=${TEST_DB_NAME:-taskdesk_test}

ping_tcp() { mysqladmin --protocol=tcp -h"$HOST" -P"$PORT" -uroot --connect-timeout=2 ping >/dev/null 2>&1 \
  || mysqladmin --protocol=tcp -h"$HOST" -P"$PORT" -u"$DB_USER" -p"$DB_PASS" --connect-timeout=2 ping 2>&1 | grep -q alive; }

if ! ping_tcp; then
  if [ ! -x /usr/sbin/mariadbd ]; then
    echo "ensure-mariadb: installing mariadb-server" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq mariadb-server >&2
  fi
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  echo "ensure-mariadb: starting mariadbd" >&2
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql >&2
  for _ in $(seq 1 60); do ping_tcp && break; sleep 0.5; done
  ping_tcp || { echo "ensure-mariadb: MariaDB did not come up on $HOST:$PORT" >&2; exit 1; }
fi

# Root over TCP with an empty password where the machine allows it, else root over the socket
# (a fresh Debian install authenticates root by unix_socket).
if mysql --protocol=tcp -h"$HOST" -P"$PORT" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
  ROOT=(mysql --protocol=tcp -h"$HOST" -P"$PORT" -uroot)
else
  ROOT=(mysql -uroot)
fi
"${ROOT[@]}" >/dev/null 2>&1 <<SQL || true
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON \`taskdesk\\_%\`.* TO '$DB_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`taskdesk\\_%\`.* TO '$DB_USER'@'localhost';
-- Like the RDS master user, for the tests of the application user's creation (api/db_users.py):
-- creates accounts and grants them rights on the test databases.
CREATE USER IF NOT EXISTS '${DB_USER}_master'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT CREATE USER ON *.* TO '${DB_USER}_master'@'127.0.0.1';
GRANT SELECT ON mysql.* TO '${DB_USER}_master'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`taskdesk\\_%\`.* TO '${DB_USER}_master'@'127.0.0.1' WITH GRANT OPTION;
SQL
mysql --protocol=tcp -h"$HOST" -P"$PORT" -u"$DB_USER" -p"$DB_PASS" \
  -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
echo "mysql+pymysql://$DB_USER:$DB_PASS@$HOST:$PORT/$DB_NAME?charset=utf8mb4"
