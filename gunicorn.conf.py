"""gunicorn settings for the container image (Dockerfile) and any host that runs gunicorn.

Every value can be changed through the environment, so the image needs no rebuild: GUNICORN_BIND
(default 0.0.0.0:8000), GUNICORN_WORKERS (2: the image targets a small instance; each worker
holds one database connection pool of at most 3), GUNICORN_THREADS (4), GUNICORN_TIMEOUT (30 s).

gunicorn is not meant to face clients directly: a thread reading a slow body is a thread lost,
and gunicorn's own 400 / 414 / 431 answers carry none of taskdesk's security headers. The
compose file puts nginx in front (nginx/taskdesk.conf), which buffers whole requests, enforces
the same limits first and adds the headers to every answer. The request limits below are set on
purpose (they are gunicorn's defaults, written down so that nobody raises them by accident):
a request line of at most 4094 bytes (414 beyond), at most 100 header fields (431), each at most
8190 bytes (431). Whichever of nginx or gunicorn refuses a request, nginx adds the headers.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"  # a slow client is the proxy's to wait for, not a thread's
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
# gunicorn's own lines and the access log as JSON, with the keys the app's lines have
# (api/logs.py); LOG_FORMAT=text keeps gunicorn's plain lines.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
if os.environ.get("LOG_FORMAT", "json").lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "api.logs.JsonFormatter"}},
        "filters": {"request_id": {"()": "api.logs.RequestIdFilter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        # gunicorn merges this over its defaults, whose root logger names a "console" handler.
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        },
    }
# Only the reverse proxy in front of the container may set X-Forwarded-* (see PROXY_FIX_X_FOR).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Workers import the app themselves: a crash while building it does not take the master down.
preload_app = False
