"""Run every benchmark on a real server, print the table, write the JSON.

Knobs (environment): WBS_BENCH_DATABASE_URL (a PostgreSQL server in which a fresh
database is created and dropped; SQLite when unset), WBS_BENCH_SECONDS (length of each
load phase, default 20), WBS_BENCH_CLIENTS (default 4), WBS_BENCH_MEMORY_RUNS (fresh
servers per memory variant, default 2), WBS_BENCH_AUDIT_ENTRIES (audit chain length,
default 1,000,000, always in PostgreSQL: see bench/audit.py), WBS_BENCH_QUEUE_CASES (cases
for the queue benchmark, default 1,000,000, PostgreSQL too: see bench/queue.py),
WBS_BENCH_DASHBOARD_CASES (cases for the dashboard benchmark, default 1,000,000, PostgreSQL
too: see bench/dashboard.py), WBS_BENCH_SAKIP_AGENCIES and WBS_BENCH_SAKIP_INDICATORS
(agencies, default 60, and indicators per agency, default 2,000, for the e-SAKIP
benchmark, PostgreSQL too: see bench/sakip.py), WBS_BENCH_KINERJA_ASN (ASN for the
e-Kinerja benchmark, default 5,000, PostgreSQL too: see bench/kinerja.py).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import audit, dashboard, kdf, kinerja, load, memory, queue, sakip
from bench.cpu import CpuWatch
from bench.server import REPO, bench_database, gunicorn, prepare, server_env

RESULTS = REPO / "bench" / "results"
LOAD_WORKERS = 2
RATIO_GOAL = 0.8
GROWTH_GOAL_MIB = 30.0


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _say(text: str = "") -> None:
    print(text, flush=True)


def main() -> int:
    seconds = _env_int("WBS_BENCH_SECONDS", 20)
    clients = _env_int("WBS_BENCH_CLIENTS", 4)
    memory_runs = _env_int("WBS_BENCH_MEMORY_RUNS", 2)
    with tempfile.TemporaryDirectory(prefix="wbs-bench-") as temp:
        instance, logs = Path(temp) / "instance", Path(temp) / "logs"
        instance.mkdir()
        with bench_database(instance) as (backend, database_url):
            env = server_env(instance, database_url)
            _say(f"Preparing a {backend} instance (wbs demo, default Argon2id parameters)…")
            prepare(env)
            try:
                results = _run(env, logs, backend, seconds, clients, memory_runs)
            except Exception:
                _print_server_log(logs / "gunicorn.log")
                raise
    audit_results = audit.run_in_suite()
    results["audit"] = audit_results
    queue_results = queue.run_in_suite()
    results["queue"] = queue_results
    dashboard_results = dashboard.run_in_suite()
    results["dashboard"] = dashboard_results
    sakip_results = sakip.run_in_suite()
    results["sakip"] = sakip_results
    kinerja_results = kinerja.run_in_suite()
    results["kinerja"] = kinerja_results
    path = _write(results)
    _print_table(results)
    audit.print_results(audit_results)
    queue.print_results(queue_results)
    dashboard.print_results(dashboard_results)
    sakip.print_results(sakip_results)
    kinerja.print_results(kinerja_results)
    _say(f"\nResults written to {path.relative_to(REPO)}")
    return 0


def _run(
    env: dict[str, str],
    logs: Path,
    backend: str,
    seconds: int,
    clients: int,
    memory_runs: int,
) -> dict[str, object]:
    _say("Timing Argon2id in this process (no server running)…")
    bound = kdf.measure()
    cores = bound.cores
    parallel = {
        str(threads): round(kdf.parallel_rate(threads), 3) for threads in sorted({cores, clients})
    }
    with gunicorn(env, logs, workers=LOAD_WORKERS) as server:
        category, agency = load.reference_codes(server.url)
        _say(f"Submissions: {clients} clients for {seconds} s…")
        with CpuWatch(server) as submit_cpu:
            submissions = load.run_load(
                server.url, load.submit_operation(category, agency), clients, seconds
            )
        codes = submissions.outputs
        if not codes:
            raise RuntimeError(f"no report was filed; see {logs / 'gunicorn.log'}")
        _say(f"Status look-ups: {clients} clients for {seconds} s over {len(codes)} codes…")
        with CpuWatch(server) as lookup_cpu:
            lookups = load.run_load(server.url, load.status_operation(codes), clients, seconds)
    _say(f"Memory: {memory_runs} fresh one-worker servers per variant…")
    memory_result = memory.measure(env, logs, category, agency, memory_runs)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "usable_cpus": len(os.sched_getaffinity(0)),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "load_average_at_end": Path("/proc/loadavg").read_text().split()[:3],
        },
        "database": backend,
        "server": {"workers": LOAD_WORKERS, "threads": int(env["WBS_THREADS"])},
        "kdf": {**bound.summary(), "parallel_in_process_per_second": parallel},
        "submissions": {
            **submissions.summary(),
            "ratio_to_bound": round(submissions.per_second / bound.per_second, 3),
            "cpu": submit_cpu.share.summary(),
            **_cpu_per_request(submissions, submit_cpu.share.server, bound.seconds),
        },
        "status_lookups": {
            **lookups.summary(),
            "ratio_to_bound": round(lookups.per_second / bound.per_second, 3),
            "cpu": lookup_cpu.share.summary(),
            **_cpu_per_request(lookups, lookup_cpu.share.server, bound.seconds),
        },
        "memory": memory_result.summary(),
        "goals": {"ratio_to_bound_min": RATIO_GOAL, "peak_growth_mib_max": GROWTH_GOAL_MIB},
    }


def _print_server_log(path: Path) -> None:
    """The temp folder goes away with the error: show the end of the server's log first."""
    if path.exists():
        _say(f"--- last lines of {path.name} ---")
        _say("\n".join(path.read_text(errors="replace").splitlines()[-40:]))


def _cpu_per_request(
    result: load.LoadResult, server_cores: float, kdf_seconds: float
) -> dict[str, float]:
    """Server CPU seconds per successful request, and the share of it that the one
    Argon2id derivation accounts for: independent of what else ran on the machine."""
    per_request = server_cores / result.per_second if result.per_second else float("nan")
    return {
        "server_cpu_per_request_s": round(per_request, 4),
        "kdf_share_of_server_cpu": round(kdf_seconds / per_request, 3),
    }


def _write(results: dict[str, object]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"bench-{results['database']}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


def _print_table(results: dict) -> None:
    kdf_r, sub, look, mem = (
        results["kdf"],
        results["submissions"],
        results["status_lookups"],
        results["memory"],
    )
    params = kdf_r["params"]
    machine = results["machine"]
    _say()
    _say("WBS benchmark")
    _say("=" * 78)
    _say(
        f"database {results['database']}; os.cpu_count() = {machine['cpu_count']} "
        f"(usable {machine['usable_cpus']}); Python {machine['python']}"
    )
    _say(
        f"server: gunicorn, {results['server']['workers']} workers × "
        f"{results['server']['threads']} threads, default Argon2id "
        f"m = {params['memory_kib']} KiB, t = {params['time_cost']}, p = {params['parallelism']}"
    )
    _say(f"load: {sub['clients']} concurrent clients, keep-alive, {sub['seconds']:.1f} s per phase")
    _say()
    runs = ", ".join(f"{run:.3f}" for run in kdf_r["cpu_runs_s"])
    _say(
        f"KDF: one derivation takes {kdf_r['median_cpu_s']:.3f} s of CPU (median of {runs}); "
        f"wall median {kdf_r['median_wall_s']:.3f} s"
    )
    _say(
        f"KDF bound = cores ÷ seconds per derivation = {kdf_r['cores']} ÷ "
        f"{kdf_r['median_cpu_s']:.3f} s = {kdf_r['bound_per_second']:.2f} per second"
    )
    rates = ", ".join(
        f"{threads} at once: {rate:.2f}/s"
        for threads, rate in kdf_r["parallel_in_process_per_second"].items()
    )
    _say(f"KDF in this process, several derivations at once (diagnostic): {rates}")
    _say()
    header = f"{'measure':<34}{'value':>12}{'bound':>10}{'ratio':>8}{'goal':>10}{'met':>5}"
    _say(header)
    _say("-" * len(header))
    for label, row in (
        ("submissions/s  POST /api/v1/reports", sub),
        ("look-ups/s  POST …/reports/status", look),
    ):
        _say(
            f"{label:<34}{row['per_second']:>10.2f}/s{kdf_r['bound_per_second']:>8.2f}/s"
            f"{row['ratio_to_bound']:>8.2f}{'≥ ' + str(RATIO_GOAL):>10}"
            f"{_met(row['ratio_to_bound'] >= RATIO_GOAL):>5}"
        )
    growth = mem["peak_growth_mib"]
    _say(
        f"{'peak RSS growth, 25 MiB attachment':<34}{growth:>8.1f} MiB{'':>10}{'':>8}"
        f"{'< ' + str(int(GROWTH_GOAL_MIB)) + ' MiB':>10}{_met(growth < GROWTH_GOAL_MIB):>5}"
    )
    _say()
    for label, row in (("submissions", sub), ("look-ups", look)):
        cpu = row["cpu"]
        _say(
            f"{label}: {row['ok']} ok, {row['failed']} failed in {row['seconds']:.1f} s; "
            f"latency median {row['latency_median_ms']:.0f} ms, p95 {row['latency_p95_ms']:.0f} ms"
        )
        _say(
            f"  cores busy on average: server {cpu['server_cores']:.2f}, "
            f"benchmark clients {cpu['client_cores']:.2f}, other processes {cpu['other_cores']:.2f}"
        )
        _say(
            f"  server CPU per request {row['server_cpu_per_request_s'] * 1000:.0f} ms "
            f"(one derivation alone: {kdf_r['median_cpu_s'] * 1000:.0f} ms): "
            f"{row['kdf_share_of_server_cpu']:.0%} of the server's CPU went to Argon2id"
        )
    if max(sub["cpu"]["other_cores"], look["cpu"]["other_cores"]) > 0.1:
        _say(
            "  WARNING: other processes used CPU during the load phases; the rates above "
            "are lower than this\n  machine gives when it serves only the WBS."
        )
    _say()
    _say(
        f"Memory (one-worker server, fresh for every run; attachment "
        f"{mem['attachment_bytes']:,} bytes of %PDF + random):"
    )
    _say(f"  {'variant':<18}{'warm VmHWM':>12}{'peak VmHWM':>12}{'in-run':>10}{'up':>8}{'down':>8}")
    for label, key in (
        ("no attachment", "without_attachment"),
        ("25 MiB attachment", "with_attachment"),
    ):
        for run in mem[key]:
            _say(
                f"  {label:<18}{run['warm_hwm_kib'] / 1024:>8.1f} MiB{run['peak_hwm_kib'] / 1024:>8.1f} MiB"
                f"{run['growth_in_run_kib'] / 1024:>6.1f} MiB{run['upload_s']:>7.2f}s"
                f"{run['download_s']:>7.2f}s"
            )
    _say(
        "  Method: VmHWM of the worker (a child of the gunicorn master) is read after a "
        "warm-up round without attachment\n  ('warm') and after the measured round "
        "('peak'): submit through the HTML form, open /status with the code,\n  download "
        "the attachment through its link (streamed, discarded, checked by SHA-256). "
        "The growth in the table\n  is median peak with attachment − median peak without; "
        "'in-run' is peak − warm of that same run."
    )
