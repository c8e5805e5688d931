"""The KDF bound: how many Argon2id derivations per second the machine can do at all.

Every submission and every status look-up costs exactly one derivation with the
default parameters (DESIGN.md, "Constructions"), so no server can beat
cores ÷ seconds per derivation; the load figures are compared with that bound.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import asdict, dataclass

from wbs.crypto import Argon2Params, argon2id
from wbs.settings import Settings

DEFAULT_PARAMS: Argon2Params = Settings.argon2


@dataclass(frozen=True)
class KdfBound:
    params: Argon2Params
    cpu_runs: list[float]
    wall_runs: list[float]
    cores: int

    @property
    def seconds(self) -> float:
        """CPU seconds per derivation (median): unlike wall time, not inflated when
        other processes take turns on the same core."""
        return statistics.median(self.cpu_runs)

    @property
    def wall_seconds(self) -> float:
        return statistics.median(self.wall_runs)

    @property
    def per_second(self) -> float:
        return self.cores / self.seconds

    def summary(self) -> dict[str, object]:
        return {
            "params": asdict(self.params),
            "cores": self.cores,
            "cpu_runs_s": [round(run, 4) for run in self.cpu_runs],
            "wall_runs_s": [round(run, 4) for run in self.wall_runs],
            "median_cpu_s": round(self.seconds, 4),
            "median_wall_s": round(self.wall_seconds, 4),
            "bound_per_second": round(self.per_second, 3),
        }


def measure(runs: int = 9, params: Argon2Params = DEFAULT_PARAMS) -> KdfBound:
    """Median of several single-threaded derivations, after one untimed warm-up."""
    salt = os.urandom(16)
    argon2id(b"0000000000000000", salt, params)
    cpu, wall = [], []
    for number in range(runs):
        secret = f"{number:016d}".encode()
        began, began_cpu = time.perf_counter(), time.thread_time()
        argon2id(secret, salt, params)
        cpu.append(time.thread_time() - began_cpu)
        wall.append(time.perf_counter() - began)
    return KdfBound(params, cpu, wall, os.cpu_count() or 1)


def parallel_rate(
    threads: int, per_thread: int = 4, params: Argon2Params = DEFAULT_PARAMS
) -> float:
    """Derivations per second with `threads` running at once in this process
    (argon2-cffi releases the GIL). Diagnostic only: it shows what running more
    derivations at once than there are cores costs, apart from any web server."""
    salt = os.urandom(16)

    def work() -> None:
        for number in range(per_thread):
            argon2id(f"{number:016d}".encode(), salt, params)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return threads * per_thread / (time.perf_counter() - began)
