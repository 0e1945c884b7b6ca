"""Materialized segment membership: full refresh, the time sweep, and incremental updates
after ingest.

- Full refresh: entries and exits are the set difference between the compiled query's
  users and the stored `IN_SEGMENT` edges, computed in Cypher in batches
  (`app/segments/refresh.py`); member lists never travel to the service.
- Sweep: refreshes only segments whose membership can change with the clock alone
  (sliding windows, abandonment windows), references included.
- Drain: the membership work intake recorded on profiles, oldest first, evaluated without
  locks (app/segments/membership/drain.py) and applied in a short write transaction; the
  worker (app/segments/membership/worker.py) is the one caller, and the only entry point
  from ingest: for each user, only the segments indexed under the keys that user's change
  touches, evaluated for that user only, in reference order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from neo4j import AsyncManagedTransaction

from app.segments.dependencies import dependents, evaluation_order
from app.segments.loaded import CompileCache, LoadedSegment
from app.segments.membership.changes import IncrementalResult
from app.segments.membership.drain import Evaluation, Hook, apply, evaluate
from app.segments.membership.repository import MembershipRepository
from app.segments.refresh import entries_statement, exits_statement
from app.segments.segment_repository import SegmentRepository


@dataclass
class RefreshResult:
    segment_id: str
    entered: int = 0
    exited: int = 0
    size: int = 0


def _utcnow() -> datetime:
    return datetime.now(UTC)


class MembershipService:
    def __init__(self, segments: SegmentRepository, members: MembershipRepository,
                 cache: CompileCache | None = None,
                 clock: Callable[[], datetime] = _utcnow,
                 evaluate_concurrency: int = 4) -> None:
        self._segments = segments
        self._evaluate_concurrency = evaluate_concurrency  # drain's segment reads at once
        self._members = members
        self._cache = cache or CompileCache()
        self._clock = clock
        self.before_apply: Hook | None = None

    @property
    def members(self) -> MembershipRepository:
        return self._members

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._clock

    async def _loaded(self) -> dict[str, LoadedSegment]:
        return {r["segment_id"]: self._cache.load(r["segment_id"], r["version"], r["definition"])
                for r in await self._segments.index()}

    @staticmethod
    def _refs(loaded: dict[str, LoadedSegment]) -> dict[str, set[str]]:
        return {s: seg.references & loaded.keys() for s, seg in loaded.items()}

    # -- full refresh ----------------------------------------------------------------------

    async def refresh_one(self, segment: LoadedSegment, now: datetime) -> RefreshResult:
        compiled = self._cache.compiled(segment)
        params = compiled.parameters(now, segment_id=segment.segment_id)
        exited = await self._members.run_batched(exits_statement(compiled), params)
        entered = await self._members.run_batched(entries_statement(compiled), params)
        return RefreshResult(segment.segment_id, entered=entered[0]["entered"],
                             exited=exited[0]["exited"],
                             size=await self._members.count(segment.segment_id) or 0)

    async def refresh(self, segment_ids: Iterable[str] | None = None,
                      now: datetime | None = None, with_dependents: bool = True
                      ) -> list[RefreshResult]:
        """Refresh the given segments (all when None) and, by default, those that refer to
        them, references first."""
        now = now or self._clock()
        loaded = await self._loaded()
        refs = self._refs(loaded)
        wanted = set(loaded) if segment_ids is None else set(segment_ids) & loaded.keys()
        if with_dependents:
            wanted = dependents(wanted, refs)
        return [await self.refresh_one(loaded[s], now)
                for s in evaluation_order(refs) if s in wanted]

    async def sweep(self, now: datetime | None = None) -> list[RefreshResult]:
        """Re-evaluate the segments the clock alone can change."""
        timed = [r["segment_id"] for r in await self._segments.index() if r["time_dependent"]]
        if not timed:
            return []
        return await self.refresh(timed, now=now, with_dependents=False)

    # -- incremental -----------------------------------------------------------------------

    async def evaluate_work(self, limit: int, exclude: Collection[str] = ()) -> Evaluation:
        """Read the oldest pending work (but for the profiles in `exclude`) and evaluate it,
        without locks (app/segments/membership/drain.py)."""
        started = time.monotonic()
        evaluation = await evaluate(self._members, self._cache, limit, self._clock(),
                                    self._evaluate_concurrency, exclude)
        evaluation.seconds = time.monotonic() - started
        return evaluation

    async def apply_work(self, evaluation: Evaluation) -> IncrementalResult:
        """Apply an evaluation in a short write transaction. `lags_s`: from each work's
        ingest commit to this commit."""
        if not evaluation.work:
            return IncrementalResult(evaluate_s=evaluation.seconds)

        async def write(tx: AsyncManagedTransaction) -> IncrementalResult:
            return await apply(tx, self._cache, evaluation)

        applying = time.monotonic()
        result = await self._members.in_write_tx(write)
        committed = datetime.now(UTC)  # the wall clock `marked` was taken with
        result.lags_s = [(committed - m).total_seconds() for m in result.marked]
        result.evaluate_s, result.apply_s = evaluation.seconds, time.monotonic() - applying
        return result

    async def drain(self, limit: int) -> IncrementalResult:
        """Apply the oldest pending membership work intake recorded on profiles: evaluated
        without locks, then applied in a short write transaction. `before_apply`, when set,
        runs between the two (tests)."""
        evaluation = await self.evaluate_work(limit)
        if evaluation.work and self.before_apply is not None:
            await self.before_apply()
        return await self.apply_work(evaluation)
