"""`make bench` (taskdesk issue 2): cold start, warm list latency and SQL statements per request.

`python -m bench` needs BENCH_DATABASE_URL (a MariaDB/MySQL database it may drop and rebuild;
`make bench` gets one from scripts/ensure-mariadb.sh). It prints one table with the targets below
and PASS / MISS per line, and exits 0 either way: it is a measurement, not a gate.

- cold start: seconds to `import handlers.http` (which builds the app) in a fresh interpreter,
  median of several runs, against `import flask, sqlalchemy, pymysql` measured the same way;
  beside them, every third-party module that the handler import loads, imported alone (no
  taskdesk code runs): the ratio the chosen libraries cost by themselves;
- warm list: `GET /api/v1/tasks?page_size=50` through `handlers.http.handler` with an HTTP API v2
  event and a Bearer access token, against the same 50 rows read with PyMySQL and dumped with json;
- SQL statements per list request, counted by a `before_cursor_execute` listener.

Then the reminders job (bench/reminders.py) and the scale section (bench/scale.py, issue 17:
every list shape, search, a deep cursor page, /stats and /tasks/mine at 1,000 / 100,000 /
1,000,000 tasks, the tutorial peer of bench/peer.py, a gunicorn + wrk load line);
`--scale-only` runs just the scale section, `--scale-sizes 1000,100000` keeps it short.
"""

from __future__ import annotations

COLD_START_RATIO_TARGET = 1.5
WARM_LIST_RATIO_TARGET = 3.0
STATEMENTS_TARGET = 3
