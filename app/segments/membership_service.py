"""Materialized segment membership: full refresh, the time sweep, and incremental updates
after ingest.

- Full refresh: entries and exits are the set difference between the compiled query's
  users and the stored `IN_SEGMENT` edges, computed in Cypher in batches
  (`app/segments/refresh.py`); member lists never travel to the service.
- Sweep: refreshes only segments whose membership can change with the clock alone
  (sliding windows, abandonment windows), references included.
- Ingest: for each user, only the segments indexed under the keys that user's change touches,
  evaluated for that user only, in reference order.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.core.refreshing_cache import RefreshingCache
from app.intake.ingest_hooks import IngestedChange
from app.segments.dependencies import change_keys, dependents, evaluation_order
from app.segments.evaluation import Group, user_update
from app.segments.loaded import CompileCache, LoadedSegment
from app.segments.membership_repository import MembershipRepository
from app.segments.refresh import entries_statement, exits_statement
from app.segments.segment_repository import SegmentRepository

log = logging.getLogger("profilegraph.segments.membership")


@dataclass
class RefreshResult:
    segment_id: str
    entered: int = 0
    exited: int = 0
    size: int = 0


@dataclass
class IncrementalResult:
    evaluated: dict[str, list[str]] = field(default_factory=dict)  # segment -> user ids
    changes: list[dict[str, str]] = field(default_factory=list)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class MembershipService:
    def __init__(self, segments: SegmentRepository, members: MembershipRepository,
                 cache: CompileCache | None = None,
                 clock: Callable[[], datetime] = _utcnow, index_ttl_s: float = 1.0) -> None:
        self._segments = segments
        self._members = members
        self._cache = cache or CompileCache()
        self._clock = clock
        # The dependency index, kept for index_ttl_s so each ingest costs one evaluation
        # query, not an index read too. Uploads in this process clear it at once; another
        # replica's upload is seen within the TTL (the sweep and refresh reconcile the rest).
        self._index: RefreshingCache[None, list[dict]] = RefreshingCache(
            lambda _: self._segments.index(), index_ttl_s, "segment dependency index")

    def invalidate_index(self) -> None:
        self._index.invalidate()

    async def _cached_index(self) -> list[dict]:
        """The dependency index. Past its TTL the cached copy is still used while one
        background read replaces it, so no ingest waits for that extra round trip (it was
        the slowest 1% of incremental updates); only the first read, and the first after an
        upload in this process, wait."""
        return await self._index.get(None)

    async def close(self) -> None:
        """Wait out a background index read (the driver closes after this)."""
        await self._index.close()

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

    async def evaluate_users(self, user_keys: dict[str, set[str] | None],
                             now: datetime | None = None) -> IncrementalResult:
        """Re-evaluate, for each user, the segments depending on any of that user's keys
        (None: every segment)."""
        now = now or self._clock()
        all_keys = set().union(*(k for k in user_keys.values() if k is not None))
        everything = any(k is None for k in user_keys.values())
        rows = [r for r in await self._cached_index()
                if everything or all_keys.intersection(r["depends_on"])]
        result = IncrementalResult()
        if not rows:
            return result
        depends_on = {r["segment_id"]: set(r["depends_on"]) for r in rows}
        affected = {r["segment_id"]: self._cache.load(r["segment_id"], r["version"],
                                                      r["definition"]) for r in rows}
        refs = self._refs(affected)
        # levels: a segment is evaluated after the affected segments it refers to
        level: dict[str, int] = {}
        for s in evaluation_order(refs):
            level[s] = 1 + max((level[r] for r in refs[s]), default=-1)
        segment_users: dict[str, list[str]] = defaultdict(list)
        for user_id, keys in user_keys.items():
            for s in affected:
                if keys is None or depends_on[s] & keys:
                    segment_users[s].append(user_id)
        prefix = {s: f"s{n}_" for n, s in enumerate(sorted(affected))}
        groups: list[Group] = []
        for depth in sorted(set(level.values())):
            # users sharing the same segments of one level share one group
            by_users: dict[tuple[str, ...], list[str]] = defaultdict(list)
            for s in sorted(affected):
                if level[s] == depth and segment_users.get(s):
                    by_users[tuple(sorted(set(segment_users[s])))].append(s)
            groups += [Group([(s, self._cache.compiled(affected[s], prefix[s])) for s in ids],
                           list(users)) for users, ids in by_users.items()]
        if groups:
            update = user_update(groups, now)
            rows = await self._members.run_single(update.cypher, update.params, write=True)
            result.changes = rows[0]["changes"]
        result.evaluated = dict(segment_users)
        return result

    async def on_ingest(self, change: IngestedChange) -> None:
        """Ingest listener: runs after intake committed."""
        user_keys: dict[str, set[str] | None] = {
            user_id: change_keys(types) for user_id, types in change.types_by_user.items()}
        for survivor in change.merged.values():
            user_keys[survivor] = None  # a merged profile changed in every respect
        user_keys = {u: k for u, k in user_keys.items() if k is None or k}
        if change.merged:
            await self._members.record_merged_exits(sorted(change.merged), self._clock())
        if user_keys:
            result = await self.evaluate_users(user_keys)
            if result.changes:
                log.debug("membership changes after ingest: %d", len(result.changes))
