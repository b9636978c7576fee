"""Gunicorn settings for Sargasso: ``gunicorn wsgi:app`` picks this file up from the working dir.

Every value can be overridden from the environment (``WEB_CONCURRENCY``, ``GUNICORN_*``) or the
command line, so a unit file or a container sets what differs and keeps the rest.
"""

from __future__ import annotations

import multiprocessing
import os

# Behind nginx on the same box: listen on loopback only (docs/deploy.md has the nginx part).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# CPU-bound work (SQL, templates) in a few processes, one request at a time each: 2 x CPUs + 1
# processes is gunicorn's advice, capped so a big box does not open more database connections
# than PostgreSQL allows (each process keeps a small pool). Sync workers, not threads: requests
# here spend their time holding the GIL, and threads of one process fight over it. With 4
# threads per worker the 200-comment page cost up to twice the CPU per request (the SQLite
# driver gives the GIL back for every row; each return waits on the thread that took it) and
# was served at 130-380 req/s from run to run, against a steady 400 req/s with sync workers
# (BENCHMARKS.md, "Sync workers"). Slow clients and keep-alive are nginx's job (docs/deploy.md).
# GUNICORN_WORKER_CLASS=gthread GUNICORN_THREADS=4 suits requests that mostly wait, e.g. on a
# database across a slow network.
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 12)))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", 1))

# A request that runs longer than this is stuck (a lost database, a deadlock): the worker is
# killed and replaced, and the reader gets a 502 from nginx instead of waiting forever.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))

# Recycle workers now and then (0 = never), with jitter so they do not all restart at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 0))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 100))

# Refuse absurd request lines and headers before Flask sees them.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Logs to stderr (journald or the container runtime collects them). The access log carries the
# request id the app puts in X-Request-ID, the same id the app's own log lines show, and the
# time taken in milliseconds.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s - %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" rid=%({x-request-id}o)s'
)

# The app applies ProxyFix itself (TRUSTED_PROXIES). Gunicorn's own forwarded-header handling
# only trusts these addresses; the default (loopback) suits nginx on the same box.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Each worker builds its own app, engines and connection pools: nothing is shared across fork.
preload_app = False

# Gunicorn 24+ opens a control socket at one fixed path per user; two instances on one box
# (blue/green, the two-instance test) would fight over it. Off unless asked for.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "") == ""
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
