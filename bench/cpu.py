"""Where the CPU went during a load phase: the server, this client, or something else.

Other helpers, tests or services running on the same machine take cores from the
server and lower the measured rate; the table prints their share so a low figure can
be told apart from a slow application.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from bench.server import Server, cpu_seconds, machine_busy_seconds


@dataclass(frozen=True)
class CpuShare:
    """Average number of cores busy, per consumer, over one phase."""

    server: float
    client: float
    other: float

    def summary(self) -> dict[str, float]:
        return {
            "server_cores": round(self.server, 2),
            "client_cores": round(self.client, 2),
            "other_cores": round(self.other, 2),
        }


class CpuWatch:
    def __init__(self, server: Server) -> None:
        self.pids = [server.master_pid, *server.worker_pids()]

    def _sample(self) -> tuple[float, float, float, float]:
        return (
            time.perf_counter(),
            sum(cpu_seconds(pid) for pid in self.pids),
            cpu_seconds(os.getpid()),
            machine_busy_seconds(),
        )

    def __enter__(self) -> CpuWatch:
        self.start = self._sample()
        return self

    def __exit__(self, *_exc: object) -> None:
        end = self._sample()
        wall = end[0] - self.start[0]
        server, client, machine = (end[i] - self.start[i] for i in (1, 2, 3))
        self.share = CpuShare(
            server / wall, client / wall, max(0.0, machine - server - client) / wall
        )
