"""gunicorn, as production runs it: `gunicorn -c gunicorn.conf.py newsroom.wsgi` (`make serve`).

Every value can be set from the environment. `kill -HUP <master pid>` restarts the workers
gracefully (new code, no dropped requests); `kill -TERM` stops after in-flight requests finish.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Two processes a core, one thread each: what `make bench` measured best on a 2-core machine
# with the database and cache local (5 x 4 threads had 3-4 times longer p99 tails). With a
# remote database, where requests mostly wait, raise GUNICORN_THREADS.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then, so a slow leak never becomes an outage. Not too often: at a
# thousand cached pages a second, every restart shows up in the p99 latency.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# The app writes one JSON line per request to stdout (newsroom.request); gunicorn's own access
# log would repeat it, so it is off unless GUNICORN_ACCESS_LOG=1.
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG") == "1" else None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Addresses of proxies allowed to set X-Forwarded-Proto (comma-separated, "*" for any).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Each worker takes its part in keeping an edge (Varnish, a CDN) right, when one is set."""
    from newsroom.delivery import edge

    edge.app_server_started()
