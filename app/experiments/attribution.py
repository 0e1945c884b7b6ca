"""Linking outcome events to exposures as they arrive (an ingest listener).

Results never depend on this: they join events to exposures at read time. The links make
attribution visible to analysts ((:Event)-[:ATTRIBUTED_TO]->(:Exposure)) and drive the click
counters on /metrics. Work happens in a background task so intake answers do not wait; a
failed pass keeps its shoppers for the next one and is counted.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from app.core.background import cancel_and_wait
from app.experiments import metrics
from app.experiments.experiment_repository import OUTCOME_TYPES, ExperimentRepository
from app.intake.ingest_hooks import IngestedChange

log = logging.getLogger("profilegraph.experiments.attribution")
LOOKBACK = timedelta(minutes=10)
MAX_WAITING = 50_000
OUTCOMES = frozenset(OUTCOME_TYPES)


class AttributionListener:
    def __init__(self, repository: ExperimentRepository, interval_s: float = 1.0) -> None:
        self._repository = repository
        self._interval_s = interval_s
        self._waiting: set[str] = set()
        # shoppers passed once: passed again on the next round, since an event committed
        # while its exposure's write was in flight is seen by neither transaction
        self._recheck: set[str] = set()
        # One pass at a time: a caller's drain waits for the background pass in flight
        # instead of returning while that pass's links are still uncommitted.
        self._passing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def on_ingest(self, change: IngestedChange) -> None:
        for user_id, types in change.types_by_user.items():
            if types & OUTCOMES and len(self._waiting) < MAX_WAITING:
                self._waiting.add(user_id)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="experiment-attribution")

    async def close(self) -> None:
        await cancel_and_wait(self._task)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.drain()

    async def drain(self) -> None:
        async with self._passing:
            await self._pass()

    async def _pass(self) -> None:
        if not self._waiting and not self._recheck:
            return
        fresh, again = self._waiting, self._recheck
        self._waiting, self._recheck = set(), set()
        users = sorted(fresh | again)
        try:
            rows = await self._repository.attribute_user_events(
                users, datetime.now(UTC) - LOOKBACK)
        except Exception:
            metrics.ATTRIBUTION_FAILURES.inc()
            log.warning("attribution pass for %d shoppers failed; retrying", len(users),
                        exc_info=True)
            self._waiting.update(users)
            return
        self._recheck = fresh
        for row in rows:
            metrics.OUTCOMES.labels(row["strategy"], row["variant"], row["type"]).inc(
                row["events"])
