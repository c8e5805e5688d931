"""``python -m bench``: run every benchmark and print the table.

``python -m bench audit`` (or ``queue``, ``dashboard``, ``sakip``) runs that one part alone.
"""

import importlib
import sys

PARTS = {
    "audit": "bench.audit",
    "queue": "bench.queue",
    "dashboard": "bench.dashboard",
    "sakip": "bench.sakip",
}

name = PARTS.get(sys.argv[1], "") if len(sys.argv) > 1 else "bench.run"
if not name:
    raise SystemExit(f"usage: python -m bench [{' | '.join(PARTS)}]")
raise SystemExit(importlib.import_module(name).main())
