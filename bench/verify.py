"""``make verify`` (``python -m bench verify``): issue 6's whole harness on this machine.

Runs, one after another, each in its own process with its output kept in a log file:
the hostile-input, consistency, backup, fault and accessibility tests with the fuzzing
turned up (at least 5,000 generated requests) on SQLite and PostgreSQL; the fault
scenarios (private PostgreSQL and Redis servers, stopped and started); the load test
(gunicorn with several workers, PostgreSQL, Redis); the tracking-code brute force; and
the accessibility and page-weight check. Then prints one table of figures and exits
non-zero when any part failed.

Each part reports its figures by writing a JSON object to the file named by the
``WBS_VERIFY_FIGURES`` environment variable (``record`` below); a part that writes
none still shows whether it passed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIGURES_VARIABLE = "WBS_VERIFY_FIGURES"
ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
# Generated requests per fuzzed endpoint in the verify run (the suite runs a few).
FUZZ_EXAMPLES = "25"
ISSUE_6_TESTS = [
    "tests/test_fuzz_forms.py",
    "tests/test_schemathesis.py",
    "tests/test_hostile_uploads.py",
    "tests/test_stored_markup_browser.py",
    "tests/test_check.py",
    "tests/test_backup.py",
    "tests/test_faults.py",
    "tests/test_accessibility.py",
    "tests/test_anonymity.py",
    "tests/test_rate_limits.py",
    "tests/test_notifications.py",
]


def record(figures: dict[str, Any]) -> None:
    """For a part run by ``make verify``: add ``figures`` to the part's line of the
    table. Does nothing when run alone."""
    path = os.environ.get(FIGURES_VARIABLE)
    if not path:
        return
    stored: dict[str, Any] = {}
    if os.path.exists(path) and os.path.getsize(path):
        stored = json.loads(Path(path).read_text())
    stored.update(figures)
    Path(path).write_text(json.dumps(stored, default=str))


@dataclass(frozen=True)
class Part:
    name: str
    command: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    part: Part
    passed: bool
    seconds: float
    figures: dict[str, Any]
    log: Path


def parts() -> list[Part]:
    pg = os.environ.get("WBS_TEST_DATABASE_URL", DEFAULT_PG)
    redis = os.environ.get("WBS_TEST_REDIS_URL", DEFAULT_REDIS)
    services = {"WBS_TEST_DATABASE_URL": pg, "WBS_TEST_REDIS_URL": redis}
    return [
        Part(
            "hostile input, checks, backups, faults, accessibility (pytest)",
            [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ISSUE_6_TESTS],
            {**services, "WBS_FUZZ_EXAMPLES": FUZZ_EXAMPLES, "WBS_REQUIRE_BROWSER": "1"},
        ),
        Part("fault scenarios", [PYTHON, "-m", "bench", "faults"], services),
        Part("load: 200 reporters + 20 officers, 60 s", [PYTHON, "-m", "bench", "load"], services),
        Part("tracking-code brute force", [PYTHON, "-m", "bench", "brute-force"], services),
        Part("accessibility and page weight", [PYTHON, "-m", "bench", "accessibility"], services),
    ]


def run_part(part: Part, folder: Path) -> Outcome:
    slug = "".join(c if c.isalnum() else "-" for c in part.name.split(":")[0]).strip("-")
    log, figures_file = folder / f"{slug}.log", folder / f"{slug}.json"
    env = {**os.environ, **part.env, FIGURES_VARIABLE: str(figures_file)}
    print(f"… {part.name} (log: {log})", flush=True)
    start = time.perf_counter()
    with log.open("w") as output:
        result = subprocess.run(
            part.command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, check=False
        )
    seconds = time.perf_counter() - start
    figures = json.loads(figures_file.read_text()) if figures_file.exists() else {}
    passed = result.returncode == 0
    if not passed:
        tail = log.read_text(errors="replace").splitlines()[-25:]
        print("\n".join(f"    {line}" for line in tail), flush=True)
    return Outcome(part, passed, seconds, figures, log)


def _figure_text(figures: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in figures.items())


def print_table(outcomes: list[Outcome]) -> None:
    width = max(len(outcome.part.name) for outcome in outcomes)
    print(f"\n{'part':<{width}}  result  seconds  figures")
    for outcome in outcomes:
        result = "PASS" if outcome.passed else "FAIL"
        print(
            f"{outcome.part.name:<{width}}  {result:<6}  {outcome.seconds:>7.0f}  "
            f"{_figure_text(outcome.figures)}"
        )


def main() -> int:
    chosen = parts()
    if len(sys.argv) > 2:  # python -m bench verify <words of a part's name>
        wanted = " ".join(sys.argv[2:])
        chosen = [part for part in chosen if wanted in part.name]
    folder = Path(tempfile.mkdtemp(prefix="wbs-verify-"))
    outcomes = [run_part(part, folder) for part in chosen]
    print_table(outcomes)
    failed = [outcome.part.name for outcome in outcomes if not outcome.passed]
    print(f"\n{'FAILED: ' + ', '.join(failed) if failed else 'All parts passed.'} Logs: {folder}")
    return 1 if failed else 0
