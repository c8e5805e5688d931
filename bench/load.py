"""Requests per second at a fixed number of concurrent clients (threads, one
keep-alive connection each, standard library only)."""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DESCRIPTION = (
    "Bendahara pengeluaran dinas meminta potongan sepuluh persen dari setiap pencairan "
    "honor kegiatan, tanpa kuitansi dan tanpa dasar peraturan."
)


@dataclass
class LoadResult:
    clients: int
    seconds: float
    ok: int
    failed: int
    latencies: list[float] = field(repr=False)
    outputs: list[str] = field(repr=False, default_factory=list)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def latency_ms(self, quantile: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]

    def summary(self) -> dict[str, float | int]:
        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 3),
            "ok": self.ok,
            "failed": self.failed,
            "per_second": round(self.per_second, 3),
            "latency_median_ms": round(1000 * statistics.median(self.latencies), 1)
            if self.latencies
            else float("nan"),
            "latency_p95_ms": round(self.latency_ms(0.95), 1),
        }


class JsonClient:
    """One keep-alive HTTP connection that posts JSON."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)

    def request(self, method: str, path: str, body: object = None) -> tuple[int, dict]:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        self.connection.request(method, path, body=payload, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else {})

    def close(self) -> None:
        self.connection.close()


# One request: (client, index) -> (succeeded, output worth keeping or "").
Operation = Callable[[JsonClient, int], tuple[bool, str]]


def run_load(base_url: str, operation: Operation, clients: int, seconds: float) -> LoadResult:
    """Every client does one warm-up request, then all start together and issue
    requests back to back until the time is up. The rate is the successful requests
    divided by the time until the last one in flight finished."""
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    latencies: list[float] = []
    outputs: list[str] = []
    counts = {"ok": 0, "failed": 0}
    finished_at: list[float] = []
    start_box: list[float] = []

    def worker(number: int) -> None:
        client = JsonClient(base_url)
        try:
            operation(client, number)  # warm-up: connection, worker caches
            barrier.wait()
            deadline = start_box[0] + seconds
            index = number
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    succeeded, output = operation(client, index)
                except (OSError, http.client.HTTPException, ValueError):
                    client.close()
                    client = JsonClient(base_url)
                    succeeded, output = False, ""
                took = time.perf_counter() - began
                with lock:
                    counts["ok" if succeeded else "failed"] += 1
                    if succeeded:
                        latencies.append(took)
                        if output:
                            outputs.append(output)
                index += clients
        finally:
            client.close()
            with lock:
                finished_at.append(time.perf_counter())

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    # Fix the start time before releasing the clients, so every client shares it.
    start_box.append(time.perf_counter())
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = max(finished_at) - start_box[0]
    return LoadResult(clients, elapsed, counts["ok"], counts["failed"], latencies, outputs)


def reference_codes(base_url: str) -> tuple[str, str]:
    """A category code and an agency code the server accepts."""
    client = JsonClient(base_url)
    try:
        _status, categories = client.request("GET", "/api/v1/categories")
        _status, agencies = client.request("GET", "/api/v1/agencies")
    finally:
        client.close()
    return categories["categories"][0]["code"], agencies["agencies"][0]["code"]


def submit_operation(category: str, agency: str) -> Operation:
    def submit(client: JsonClient, index: int) -> tuple[bool, str]:
        status, body = client.request(
            "POST",
            "/api/v1/reports",
            {"category": category, "agency": agency, "description": f"{DESCRIPTION} #{index}"},
        )
        return status == 201, body.get("tracking_code", "") if status == 201 else ""

    return submit


def status_operation(codes: list[str]) -> Operation:
    def look_up(client: JsonClient, index: int) -> tuple[bool, str]:
        status, body = client.request(
            "POST", "/api/v1/reports/status", {"tracking_code": codes[index % len(codes)]}
        )
        return status == 200 and body.get("status") == "received", ""

    return look_up
