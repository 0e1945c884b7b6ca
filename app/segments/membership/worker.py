"""The one writer of segment membership in this process, off the request path.

Intake records membership work on the profiles a batch changed, in the batch's own
transaction (cypher/intake/mark_membership_work.cypher), so nothing committed can be lost:
not by a failed listener, a crash or a restart. This worker drains that work, oldest first,
in batches (one transaction per drain, retried by the driver on transient errors), and runs
the periodic sweep of time-windowed segments in the same loop, so membership writes never
race each other. The drains overlap by one step: while a drain's write transaction applies
its result, the next one already evaluates the work recorded meanwhile (leaving out the
profiles being applied), so new work does not wait for a whole drain in progress; the write
transactions still run one at a time, in order. A drain that fails is retried with smaller
batches; work that fails on its own is deferred and counted, so it never holds up the rest.

Intake waits (bounded) for the drain that follows its commit, so a client reading its own
writes sees the new membership, as before; past the bound it answers anyway (the work stays
queued). In a process that does not start the worker (the CLI, importers) the ingest call
applies the work itself before it returns. Pending and failed work are gauges on /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from app.core.metrics import (
    MEMBERSHIP_APPLIED,
    MEMBERSHIP_DRAIN_FAILURES,
    MEMBERSHIP_DRAIN_SECONDS,
    MEMBERSHIP_FAILED,
    MEMBERSHIP_LAG,
    MEMBERSHIP_PENDING,
    MEMBERSHIP_REDONE,
)
from app.intake.ingest_hooks import IngestedChange
from app.segments.membership.changes import IncrementalResult
from app.segments.membership.service import MembershipService

log = logging.getLogger("profilegraph.segments.worker")
DRAIN_LIMIT = 2000
IDLE_POLL_S = 0.5  # picks up work recorded by importers, other replicas, or before a restart
GAUGE_INTERVAL_S = 2.0
RETRY_DELAY = timedelta(seconds=30)


@dataclass
class _Applying:
    """A drain whose write transaction is in progress."""
    number: int
    users: frozenset[str]
    full: bool  # it read a full batch: more work may be waiting
    task: asyncio.Task[IncrementalResult]


class MembershipWorker:
    def __init__(self, membership: MembershipService, *, wait_s: float = 2.0,
                 sweep_interval_s: float = 0.0, drain_limit: int = DRAIN_LIMIT,
                 idle_poll_s: float = IDLE_POLL_S) -> None:
        self._membership = membership
        self._wait_s = wait_s
        self._sweep_interval_s = sweep_interval_s
        self._max_limit = drain_limit
        self._limit = drain_limit
        self._idle_poll_s = idle_poll_s
        self._wake = asyncio.Event()
        self._started = 0  # drains begun
        self._caught_up = 0  # the last drain that found less than a full batch pending
        self._progress = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._applying: _Applying | None = None
        self._stopped = False  # stopped after start: work only queues in the graph

    # -- for intake ---------------------------------------------------------------------

    async def on_ingest(self, change: IngestedChange) -> None:
        """Ingest listener: wake the worker and wait (bounded) until a drain begun after this
        commit has applied everything pending."""
        if not (change.types_by_user or change.merged) or not change.membership_work \
                or self._stopped:
            return
        if self._task is None:  # no background worker in this process: apply it now
            await self.run_until_idle()
            return
        # the first drain begun after this commit may leave out profiles whose apply is in
        # progress now: when one is, the drain after it is the one that surely covers them
        target = self._started + (1 if self._applying is None else 2)
        self._wake.set()
        if self._wait_s <= 0:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._wait_s), self._progress:
                await self._progress.wait_for(lambda: self._caught_up >= target)

    # -- the loop -----------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="membership-worker")

    async def stop(self) -> None:
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._applying is not None:  # rolled back: its work stays queued in the graph
            self._applying.task.cancel()
            with contextlib.suppress(BaseException):
                await self._applying.task
            self._applying = None

    async def run_until_idle(self) -> int:
        """Drain until nothing is pending (tools, tests); returns the profiles applied."""
        total = 0
        while True:
            result = await self._drain_once()
            total += result.users
            if not self._more(result):
                return total

    def _more(self, result: IncrementalResult) -> bool:
        """Whether work may be left: the drain read a full batch."""
        return result.claimed >= self._limit

    async def _drain_once(self) -> IncrementalResult:
        """One drain, evaluated and applied before it returns (tools, tests)."""
        self._started += 1
        number = self._started
        result = await self._membership.drain(self._limit)
        await self._record(number, result, self._more(result))
        return result

    async def _record(self, number: int, result: IncrementalResult, full: bool) -> None:
        MEMBERSHIP_APPLIED.inc(result.users)
        MEMBERSHIP_REDONE.inc(result.redone)
        for lag in result.lags_s:
            MEMBERSHIP_LAG.observe(max(lag, 0.0))
        if result.claimed:  # drains that found no work are not timed
            MEMBERSHIP_DRAIN_SECONDS.labels("evaluate").observe(result.evaluate_s)
            MEMBERSHIP_DRAIN_SECONDS.labels("apply").observe(result.apply_s)
        if not full:
            async with self._progress:
                self._caught_up = max(self._caught_up, number)
                self._progress.notify_all()

    async def _overlapped_drain(self) -> bool:
        """Evaluate the oldest work but for the profiles whose apply is in progress, wait
        for that apply, then start this one's. Returns whether to go on without waiting."""
        self._started += 1
        number = self._started
        exclude = self._applying.users if self._applying is not None else frozenset()
        evaluation = await self._membership.evaluate_work(self._limit, exclude)
        await self._settle()
        if not evaluation.work:
            await self._record(number, IncrementalResult(), full=False)
            return False
        users = frozenset(r["user_id"] for r in evaluation.work)
        full = len(evaluation.work) >= self._limit
        task = asyncio.create_task(self._membership.apply_work(evaluation),
                                   name="membership-apply")
        self._applying = _Applying(number, users, full, task)
        return True

    async def _settle(self) -> None:
        """Wait for the apply in progress, if any, and record it (raises its failure)."""
        applying = self._applying
        if applying is None:
            return
        try:
            result = await applying.task
        finally:
            self._applying = None
        await self._record(applying.number, result, applying.full)

    async def _settle_counted(self) -> None:
        """`_settle`, a failure counted and logged (its work stays queued, drained again)."""
        try:
            await self._settle()
        except Exception:
            MEMBERSHIP_DRAIN_FAILURES.inc()
            log.exception("membership apply failed; its work stays queued")

    async def _run(self) -> None:
        next_sweep = time.monotonic() + self._sweep_interval_s
        next_gauges = 0.0
        busy = True
        while True:
            if not busy:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._idle_poll_s):
                        await self._wake.wait()
            self._wake.clear()
            try:
                busy = await self._overlapped_drain()
                self._limit = min(self._max_limit, self._limit * 2)
            except asyncio.CancelledError:
                raise
            except Exception:
                await self._settle_counted()  # before any deferral: one writer at a time
                busy = await self._failed()
            now = time.monotonic()
            if self._sweep_interval_s > 0 and now >= next_sweep:
                next_sweep = now + self._sweep_interval_s
                await self._settle_counted()  # membership writes one at a time
                await self._sweep()
            if now >= next_gauges:
                next_gauges = now + GAUGE_INTERVAL_S
                await self._update_gauges()

    async def _failed(self) -> bool:
        """A drain failed (after the driver's retries): smaller batches next; a single
        profile's work that fails is deferred and counted. Returns whether to retry now."""
        MEMBERSHIP_DRAIN_FAILURES.inc()
        log.exception("membership drain of %d profiles failed; retrying", self._limit)
        if self._limit > 1:
            self._limit = max(1, self._limit // 8)
            return True
        try:
            clock = self._membership.clock
            user_id = await self._membership.members.defer_oldest_work(
                clock(), clock() + RETRY_DELAY)
            log.error("membership work of %r deferred by %s", user_id, RETRY_DELAY)
        except Exception:
            log.exception("could not defer membership work")
            await asyncio.sleep(1.0)
        return True

    async def _sweep(self) -> None:
        try:
            results = await self._membership.sweep()
            changed = sum(r.entered + r.exited for r in results)
            log.info("segment sweep: %d segments, %d changes", len(results), changed)
        except Exception:  # the next sweep retries; counted with the drain failures
            MEMBERSHIP_DRAIN_FAILURES.inc()
            log.exception("segment sweep failed")

    async def _update_gauges(self) -> None:
        try:
            gauges = await self._membership.members.work_gauges()
        except Exception:
            log.warning("could not read membership work gauges", exc_info=True)
            return
        MEMBERSHIP_PENDING.set(gauges["pending"])
        MEMBERSHIP_FAILED.set(gauges["failed"])
