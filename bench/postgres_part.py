"""What the PostgreSQL benchmarks (audit, queue, dashboard, sakip) share: how big a run is,
the psycopg address, a logged-in app, interleaved timing, and how `make bench` runs one
without failing when no PostgreSQL can be reached."""

from __future__ import annotations

import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import psycopg
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from wbs import create_app, staff_sessions, worker_heap
from wbs.app_context import database
from wbs.installation import now_utc
from wbs.settings import Settings, normalise_database_url
from wbs.staff_auth import COOKIE

R = TypeVar("R")


def size(variable: str, default: int) -> int:
    """The count of rows a benchmark fills: ``variable`` from the environment, or ``default``."""
    return int(os.environ.get(variable) or default)


def run_in_suite(name: str, run: Callable[[int], R], count: int) -> R | None:
    """For `make bench`: ``run(count)``, or a note when no PostgreSQL can be reached."""
    try:
        return run(count)
    except psycopg.OperationalError as error:
        print(f"{name} benchmark skipped: no PostgreSQL to create a database in ({error}).")
        return None


def dsn(url: str) -> str:
    """The SQLAlchemy URL as a plain PostgreSQL address for psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def logged_in_client(url: str, staff_id: int) -> Iterator[tuple[Flask, FlaskClient]]:
    """An app on the filled database and a test client logged in as ``staff_id``.

    The staff session is started directly (no password or TOTP step to time); every
    request still resumes it from the cookie as a browser's would be.
    """
    with tempfile.TemporaryDirectory(prefix="wbs-bench-") as temp:
        settings = Settings(
            instance_path=Path(temp),
            database_url=normalise_database_url(url),
            secret_key=secrets.token_hex(32),
        )
        app = create_app(settings)
        worker_heap.settle()  # as a gunicorn worker does once the app is loaded
        try:
            idle = timedelta(minutes=settings.staff_idle_minutes)
            with database(app).session() as session:
                opened = staff_sessions.start(session, staff_id, "active", None, now_utc(), idle)
                cookie = opened.token.encode()
            client = app.test_client()
            client.set_cookie(COOKIE, cookie, domain="localhost")
            yield app, client
        finally:
            database(app).dispose()


def interleaved_medians(functions: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median seconds of each, timed in turn so that a busy moment of the machine weighs
    on all alike (one untimed call each first: warm cache, compiled templates)."""
    for function in functions:
        function()
    samples: list[list[float]] = [[] for _ in functions]
    for _ in range(repeats):
        for function, bucket in zip(functions, samples, strict=True):
            start = time.perf_counter()
            function()
            bucket.append(time.perf_counter() - start)
    return [statistics.median(bucket) for bucket in samples]
