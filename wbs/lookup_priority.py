"""The CPU priority of a status look-up's Argon2id run.

Every look-up with a well-formed code costs one Argon2id run (64 MiB, t = 3: about
0.2 s of one core), whether the code exists or not. Someone guessing codes from many
addresses gets the limit's allowance of such runs from each, and on a small server
they would slow every honest reporter's look-up to several times its normal time
(issue 6, `python -m bench brute-force`).

So a look-up from an address that already failed one in the limit's window (an honest
reporter almost never does: the check digit catches typing errors before any run), or
that has another look-up running in this worker at the same moment (a script's burst,
before any failure is counted), is computed in a thread at the lowest CPU priority
(nice 19). It still runs and gets its
answer, as fast as an idle server allows, but whenever an honest look-up needs the CPU
at the same time, the honest one goes first.

Linux gives each thread its own nice value; where the platform has no per-thread
priority the lane runs at normal priority (no worse than without it).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

LOWEST_PRIORITY = 19


def _lower_this_thread() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)
    except (AttributeError, OSError):
        pass  # no per-thread priority here: the lane runs at normal priority


class LowPriorityLane:
    """Threads at the lowest CPU priority, created on first use (after gunicorn forks).

    At least as many threads as the worker has request threads: a request waiting for
    the lane holds a request thread anyway, so a smaller lane would only add a queue
    inside the worker; what the lane's runs wait for is the CPU.
    """

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def run(self, work: Callable[..., T], *args: object) -> T:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self._threads,
                    thread_name_prefix="wbs-low-priority",
                    initializer=_lower_this_thread,
                )
            executor = self._executor
        return executor.submit(work, *args).result()


class LookupLanes:
    """Per worker: the low-priority lane, and the look-ups running now per client
    (by the limiter's keyed address hash, never the address)."""

    def __init__(self, threads: int) -> None:
        self.low = LowPriorityLane(threads)
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def running(self, client: str) -> Iterator[bool]:
        """Count this look-up as running; yields whether another from ``client`` is."""
        with self._lock:
            busy = self._running[client] > 0
            self._running[client] += 1
        try:
            yield busy
        finally:
            with self._lock:
                self._running[client] -= 1
                if not self._running[client]:
                    del self._running[client]
