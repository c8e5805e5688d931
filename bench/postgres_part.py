"""What the PostgreSQL benchmarks (audit, queue, dashboard) share: how big a run is, and
how `make bench` runs one without failing when no PostgreSQL can be reached."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import psycopg

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
