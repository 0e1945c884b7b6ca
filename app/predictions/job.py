"""The prediction refresh: read the consented history, train, score, write the predicted
traits and clusters onto the profiles, record the run, refresh the segments that use them.

One process at a time runs it (a lease in the graph), every `prediction_refresh_interval_s`
after the latest recorded run (the schedule lives in the graph, so replicas and restarts
agree). A failed refresh is counted and retried after `RETRY_S`; the profiles keep the
previous run's values meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.config import Settings
from app.predictions import metrics
from app.predictions.features import normalize
from app.predictions.fit_process import fit_off_process
from app.predictions.repository import PredictionRepository
from app.segments.condition_tree import walk
from app.segments.definition import SegmentDefinition, TraitCondition
from app.segments.identifiers import PREDICTED_TRAITS

log = logging.getLogger("profilegraph.predictions")
LEASE = "predictions"
LEASE_S = 3600.0
RETRY_S = 300.0
FIRST_DELAY_S = 15.0

RefreshSegments = Callable[[list[str]], Awaitable[Any]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) \
        else float(value)


def uses_predictions(definition_json: str) -> bool:
    definition = SegmentDefinition.model_validate_json(definition_json)
    return any(isinstance(n, TraitCondition) and n.property in PREDICTED_TRAITS
               for n in walk(definition.condition))


class PredictionJob:
    def __init__(self, repository: PredictionRepository, settings: Settings,
                 refresh_segments: RefreshSegments | None = None,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self._repository = repository
        self._settings = settings
        self._refresh_segments = refresh_segments
        self._clock = clock

    @property
    def repository(self) -> PredictionRepository:
        return self._repository

    async def run_once(self) -> dict[str, Any] | None:
        """One refresh now; None when another process holds the lease."""
        holder, now = uuid.uuid4().hex, self._clock()
        if not await self._repository.acquire(LEASE, holder, now,
                                              now + timedelta(seconds=LEASE_S)):
            metrics.RUNS.labels("skipped").inc()
            return None
        started = time.perf_counter()
        try:
            record = await self._refresh(now)
        except Exception:
            metrics.RUNS.labels("failure").inc()
            raise
        finally:
            await self._repository.release(LEASE, holder)
        metrics.RUNS.labels(record["status"]).inc()
        metrics.SECONDS.observe(time.perf_counter() - started)
        if record["status"] == "success":
            metrics.SCORED.set(record["scored"])
            metrics.LAST_SUCCESS.set(time.time())
        return record

    async def _refresh(self, now: datetime) -> dict[str, Any]:
        run_id = uuid.uuid4().hex
        anchor = await self._repository.anchor()
        events = normalize(await self._repository.history(
            anchor, self._settings.consent_default == "opt_out")) if anchor else None
        if anchor is None or events is None or events.empty:
            cleared = await self._repository.clear_stale(now)
            record = {"run_id": run_id, "at": now, "anchor": anchor, "status": "no_data",
                      "scored": 0, "summary": {"cleared": cleared}}
            await self._repository.save_run(**record)
            return record
        # CPU-bound (pandas, scikit-learn): in a child process, off the serving process
        result = await fit_off_process(events)
        log.info("predictions fitted in process %d", result.pid)
        rows = [{"user_id": user_id, "purchase": _number(r.pred_purchase_30d),
                 "value": _number(r.pred_value_90d), "cluster": int(r.cluster),
                 "label": r.cluster_label}
                for user_id, r in result.scores.iterrows()]
        scored = await self._repository.write(rows, now)
        cleared = await self._repository.clear_stale(now)
        summary = {**result.summary, "cleared": cleared}
        record = {"run_id": run_id, "at": now, "anchor": anchor, "status": "success",
                  "scored": scored, "summary": summary}
        await self._repository.save_run(**record)
        await self._segments()
        return record

    async def _segments(self) -> None:
        """Segments that test a predicted trait or the cluster see the new values now."""
        if self._refresh_segments is None:
            return
        ids = [r["segment_id"] for r in await self._repository.segment_definitions()
               if uses_predictions(r["definition"])]
        if ids:
            await self._refresh_segments(ids)

    async def run(self, interval_s: float) -> None:
        """The background loop: a refresh whenever the latest recorded one is older than
        `interval_s`, retried after RETRY_S when it fails."""
        delay = FIRST_DELAY_S
        while True:
            await asyncio.sleep(delay)
            try:
                latest = await self._repository.latest_run()
                age = (self._clock() - latest["at"]).total_seconds() if latest else None
                if age is None or age >= interval_s:
                    await self.run_once()
                    delay = interval_s
                else:
                    delay = interval_s - age
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("prediction refresh failed; retrying in %.0f s", RETRY_S,
                            exc_info=True)
                delay = min(RETRY_S, interval_s)
