"""One set of metrics for several serving processes on a host (`serve --workers N`).

Each worker counts in its own memory, so a scrape answered by one worker would show that
worker's share of the requests, deliveries or failures; consecutive scrapes would disagree.
With more than one worker, `serve` gives the workers a fresh directory in
PROMETHEUS_MULTIPROC_DIR before they start: prometheus_client then keeps every value in a
file per process there, and `/metrics` sums them (counters, histograms), or takes the most
recent or live value of a gauge as its definition says (`multiprocess_mode`). Replicas on
other hosts are scraped one by one, as Prometheus does for any service.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, multiprocess

ENV = "PROMETHEUS_MULTIPROC_DIR"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def shared_between_workers(workers: int, base: Path) -> Iterator[Path | None]:
    """Around a multi-worker server: a fresh metrics directory under `base` for its workers
    (left to the operator's when PROMETHEUS_MULTIPROC_DIR is set), removed afterwards along
    with those of servers that died without removing theirs."""
    if workers <= 1 or os.environ.get(ENV):
        yield None
        return
    root = base / "metrics"
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob("serve-*"):
        pid = stale.name.removeprefix("serve-")
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    folder = root / f"serve-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    os.environ[ENV] = str(folder)
    try:
        yield folder
    finally:
        os.environ.pop(ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


def exposition() -> bytes:
    """The text `/metrics` answers: every process's values when they share a directory."""
    if not os.environ.get(ENV):
        return generate_latest()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


def process_exiting() -> None:
    """A worker's live gauges (requests waiting, breakers) leave the sums when it stops."""
    if os.environ.get(ENV):
        multiprocess.mark_process_dead(os.getpid())
