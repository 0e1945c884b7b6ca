"""Exposures recorded off the request path: journaled on the request (microseconds),
written to the graph in batches by one background task, retried with backoff until written.

Requests never wait for Neo4j. When a write fails (Neo4j down, restarting, timing out) the
segment stays in the journal and the next tick retries it, oldest first, so the graph sees
exposures in the order they were served. Everything is counted on /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.core.background import cancel_and_wait
from app.experiments import metrics
from app.experiments.exposure_journal import ExposureJournal

log = logging.getLogger("profilegraph.experiments.exposures")

Writer = Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]
BATCH = 500


class ExposureRecorder:
    def __init__(self, write: Writer, journal_dir: Path, interval_s: float = 0.5,
                 max_backoff_s: float = 30.0) -> None:
        self._write = write
        self._journal = ExposureJournal(journal_dir)
        self._interval_s = interval_s
        self._max_backoff_s = max_backoff_s
        self._memory: list[dict[str, Any]] = []  # only when the journal itself failed
        self._wake = asyncio.Event()
        # One flush at a time in this process: a caller's flush waits for the background
        # one in flight instead of skipping the segment it holds.
        self._flushing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._failures = 0
        self._backlog = 0  # recorded or found at start, not yet written (the gauge)

    def record(self, exposure: dict[str, Any]) -> None:
        """Called on the request path: no I/O beyond one buffered append."""
        try:
            self._journal.append(exposure)
        except OSError:
            metrics.EXPOSURE_JOURNAL_ERRORS.inc()
            log.exception("exposure journal append failed; keeping the exposure in memory")
            self._memory.append(exposure)
        self._backlog += 1
        metrics.EXPOSURE_BACKLOG.set(self._backlog)
        if self._journal.pending >= BATCH:
            self._wake.set()

    def start(self) -> None:
        # One count of what earlier processes left; afterwards the gauge is kept by
        # arithmetic, so an outage's growing journal is never rescanned.
        self._backlog += self._journal.backlog()
        metrics.EXPOSURE_BACKLOG.set(self._backlog)
        self._task = asyncio.create_task(self._run(), name="exposure-writer")

    async def close(self, timeout_s: float = 10.0) -> None:
        """Stop the loop and try a last flush; what cannot be written stays journaled."""
        await cancel_and_wait(self._task)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.flush(), timeout_s)
        self._journal.rotate()

    async def _run(self) -> None:
        while True:
            delay = self._interval_s if self._failures == 0 else min(
                self._max_backoff_s, self._interval_s * 2 ** min(self._failures, 16))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> bool:
        """Write every closed segment (and the open one, rotated first). True when nothing
        this process can claim is left (another process may hold one it is writing); a
        failure leaves the rest for the next attempt."""
        async with self._flushing:
            return await self._flush()

    async def _flush(self) -> bool:
        fresh = self._journal.rotate()
        if self._memory:
            rows, self._memory = self._memory, []
            if not await self._write_rows(rows):
                self._memory = rows + self._memory
                return False
        for path in self._journal.closed_segments():
            if not await self._write_segment(path, fresh):
                return False
        return True

    async def _write_segment(self, path: Path,
                             fresh: tuple[Path, list[dict[str, Any]]] | None) -> bool:
        with self._journal.claim(path) as handle:
            if handle is None:
                return True  # another process holds it, or already wrote it
            records = fresh[1] if fresh is not None and fresh[0] == path else (
                self._journal.read(handle))
            for start in range(0, len(records), BATCH):
                if not await self._write_rows(records[start:start + BATCH]):
                    return False
            # Under our lock: written, so no one replays it again (a metadata-only call).
            path.unlink()  # noqa: ASYNC240
        return True

    async def _write_rows(self, rows: list[dict[str, Any]]) -> bool:
        try:
            outcomes = await self._write(rows)
        except Exception:  # the rows stay journaled; the next tick retries them
            self._failures += 1
            metrics.EXPOSURE_WRITE_FAILURES.inc()
            log.warning("writing %d exposures failed (attempt %d); retrying later", len(rows),
                        self._failures, exc_info=True)
            return False
        self._failures = 0
        self._backlog = max(0, self._backlog - len(rows))
        metrics.EXPOSURE_BACKLOG.set(self._backlog)
        metrics.EXPOSURES_WRITTEN.inc(len(rows))
        for row in outcomes:
            metrics.OUTCOMES.labels(row["strategy"], row["variant"], row["type"]).inc(
                row["events"])
        return True
