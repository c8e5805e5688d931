"""``python -m bench``: run every benchmark and print the table.

``python -m bench audit`` (or ``queue``, ``dashboard``, ``sakip``, ``kinerja``) runs that one part alone;
``python -m bench load`` and ``python -m bench brute-force`` run the issue-6 load test and
tracking-code brute force (not part of the full run); ``python -m bench faults [scenario]``
runs the issue-6 fault scenarios (bench/faults.py; root, private servers, tmpfs).
"""

import importlib
import sys

PARTS = {
    "audit": "bench.audit",
    "queue": "bench.queue",
    "dashboard": "bench.dashboard",
    "sakip": "bench.sakip",
    "kinerja": "bench.kinerja",
    # Not part of the default run: needs root, mounts tmpfs, starts private servers.
    "faults": "bench.faults",
    "load": "bench.locust_load",
    "brute-force": "bench.brute_force",
    "accessibility": "bench.accessibility",
    # make verify: every part of issue 6's harness, one table of figures.
    "verify": "bench.verify",
}

name = PARTS.get(sys.argv[1], "") if len(sys.argv) > 1 else "bench.run"
if not name:
    raise SystemExit(f"usage: python -m bench [{' | '.join(PARTS)}]")
raise SystemExit(importlib.import_module(name).main())
