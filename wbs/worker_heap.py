"""The Python heap of a web worker, settled once the app is loaded.

Python's cycle collector now and then sweeps every object of the oldest generation: in
a worker that means the whole loaded app (modules, SQLAlchemy's mapped classes, Babel's
catalogues, templates: some 150,000 objects), none of which will ever be garbage. On a
page that makes tens of thousands of short-lived objects (an agency's e-Kinerja month
at 1,000 ASN) such a sweep came every few requests and cost 150-200 ms on the 2-core
test machine. ``gc.freeze()`` moves what exists at start-up out of the collector's
sight; it still frees anything that becomes unreachable through reference counting.

Called by gunicorn's ``post_worker_init`` hook (config/gunicorn.conf.py) and by the
benchmarks that time pages in-process (bench/postgres_part.py), which stand for such a
worker. Not in tests: they create many apps in one process, and a frozen app would
never be collected.
"""

import gc


def settle() -> None:
    """Collect what start-up left behind, then freeze what remains."""
    gc.collect()
    gc.freeze()
