"""Segment housekeeping: the retention rule of membership history, and deletions resumed.

Membership history (`(:Segment)-[:MEMBERSHIP_CHANGED]->(:MembershipChange)`, the change feed
and the export's membership history) is kept `retention_days` after each change was recorded
and at most `max_per_segment` newest records per segment (changes recorded in the same
instant as the last one kept are kept too), so one busy segment cannot grow the store without
bound. The current memberships (IN_SEGMENT) are never pruned. `at` is when the service
recorded the change, not an event's time, so the wall clock is the right reference here.

The job runs in every serving process (each pass is idempotent), in bounded transactions; a
failed pass is counted and the next one retries. Segments whose deletion was started and
not finished (a request past its budget, a crash) are finished first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.core.metrics import SEGMENT_HISTORY_PRUNED, SEGMENT_HOUSEKEEPING_FAILURES
from app.db.database import Database
from app.segments.deletion import SegmentDeleter

log = logging.getLogger("profilegraph.segments.housekeeping")
PRUNE_BATCH = 10_000
# While a deletion is unfinished the job comes back this soon, whatever its interval.
DELETION_PASS_S = 5.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class PruneReport:
    by_age: int = 0
    over_cap: int = 0


class HistoryRetention:
    def __init__(self, db: Database, deleter: SegmentDeleter, retention_days: int,
                 max_per_segment: int, clock: Callable[[], datetime] = _utcnow,
                 batch: int = PRUNE_BATCH) -> None:
        self._db = db
        self._deleter = deleter
        self._retention = timedelta(days=retention_days)
        self._max = max_per_segment
        self._clock = clock
        self._batch = batch

    async def prune(self) -> PruneReport:
        report = PruneReport()
        before = self._clock() - self._retention
        while True:
            [row] = await self._db.write_named("segments/prune_changes_by_age", before=before,
                                               limit=self._batch)
            report.by_age += row["deleted"]
            SEGMENT_HISTORY_PRUNED.labels("age").inc(row["deleted"])
            if row["deleted"] < self._batch:
                break
        for over in await self._db.read_named("segments/list_history_over_cap", max=self._max):
            while True:
                [row] = await self._db.write_named(
                    "segments/prune_segment_history", segment_id=over["segment_id"],
                    cutoff_ms=over["cutoff_ms"], limit=self._batch)
                report.over_cap += row["deleted"]
                SEGMENT_HISTORY_PRUNED.labels("count").inc(row["deleted"])
                if row["deleted"] < self._batch:
                    break
        return report

    async def resume_deletions(self) -> int:
        """Finishes every deletion left unfinished; how many segments are still deleting."""
        left = 0
        for segment_id in await self._deleter.pending():
            progress = await self._deleter.work(segment_id, DELETION_PASS_S)
            left += not progress.done
        return left

    async def run(self, interval_s: float) -> None:
        """Resumes deletions and prunes history every `interval_s` (deletions left
        unfinished: sooner) until cancelled."""
        next_prune = 0.0
        loop = asyncio.get_running_loop()
        while True:
            wait = interval_s
            try:
                if await self.resume_deletions():
                    wait = DELETION_PASS_S
                if loop.time() >= next_prune:
                    report = await self.prune()
                    next_prune = loop.time() + interval_s
                    if report.by_age or report.over_cap:
                        log.info("pruned membership history: %d by age, %d over the cap",
                                 report.by_age, report.over_cap)
            except Exception:  # counted; the next pass retries
                SEGMENT_HOUSEKEEPING_FAILURES.inc()
                log.exception("segment housekeeping failed")
                wait = min(wait, 60.0)
            await asyncio.sleep(wait)
