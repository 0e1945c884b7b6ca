"""Keeps the cyclic garbage collector's full collections off the request path.

With the driver, the model and the catalogs loaded, a full collection in the API process
walks ~140,000 start-up objects and took 25-40 ms; such pauses were a large part of the
recommendation latency tail with one connection (p99 26-69 ms; 11-21 ms with collection
off). Start-up objects live as long as the app, so they are moved out of the collector's
generations while it serves (no full collection was seen while serving after that) and
handed back when it stops, so the interpreter frees them at exit as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def startup_objects_frozen() -> Iterator[None]:
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
