"""Gunicorn settings shipped with the WBS (used by `make run` and in production).

Anonymity (DESIGN.md, "Anonymity rules"): no client address, user agent or exact
time of a reporter's request may reach a log. So the access log is off; when an
operator turns it on with WBS_ACCESS_LOG=1 it records only the path (never the query
string), status, size and duration, and no time stamp or address. Error-log lines
carry no time stamp either (the service manager adds its own if wanted).
"""

import os

bind = os.environ.get("WBS_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WBS_WORKERS", "2"))
# Threads let a worker stream a large upload or download without blocking the others.
worker_class = "gthread"
threads = int(os.environ.get("WBS_THREADS", "4"))
timeout = 120
# Load the app in each worker, so no worker shares a database connection made before fork.
preload_app = False

# Gunicorn 27's control socket defaults to one path per user, which several instances
# (tests, benchmarks, two Pemda on one host) would share; nothing here uses it.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """The app is loaded: keep its objects out of the cycle collector's sweeps
    (wbs/worker_heap.py)."""
    from wbs import worker_heap

    worker_heap.settle()


accesslog = "-" if os.environ.get("WBS_ACCESS_LOG") == "1" else None
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("WBS_LOG_LEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        },
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "gunicorn.error": {
            "level": loglevel.upper(),
            "handlers": ["error_console"],
            "propagate": False,
        },
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
    "root": {"level": "INFO", "handlers": ["error_console"]},
}
