"""Bandit arm counts that every serving process shares.

Time is cut into refresh periods of the experiment's `bandit.refresh_s` (period number
`bucket` = floor(epoch seconds / refresh_s)). The arm counts of a period are counted once,
from the graph's exposures and outcomes, by the first process that needs them, and stored
on the experiment node; every other process (a second worker, another replica) reads that
stored snapshot instead of counting its own. So all processes hold the same counts and the
same period number, and the Thompson draw seeded with it gives a new shopper the same arm
whichever process serves them.

A process keeps a snapshot until its period ends (at most `refresh_s`); the next request
after that starts one background reload and is served the previous snapshot meanwhile
(serving never waits for a count), except the very first, which waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.experiments.bandit import ArmCounts, allocation
from app.experiments.definition import ExperimentDefinition
from app.experiments.experiment_repository import FALLBACK_WINDOW_MS, ExperimentRepository

log = logging.getLogger(__name__)
# The Bernoulli the posteriors model: revenue per exposure uses conversion as its proxy.
SUCCESS_FIELD = {"ctr": "clicks", "conversion": "conversions",
                 "revenue_per_exposure": "conversions"}


@dataclass(frozen=True)
class Snapshot:
    bucket: int  # the refresh period: floor(epoch seconds / refresh_s); seeds the draws
    refresh_s: float
    counts: Mapping[str, ArmCounts]
    counted_at: datetime | None


def arm_counts(definition: ExperimentDefinition,
               rows: Sequence[Mapping[str, Any]]) -> dict[str, ArmCounts]:
    """Exposures and successful exposures per arm, from list_outcome_rows.cypher rows."""
    field = SUCCESS_FIELD[definition.primary_metric]
    totals = {v.name: [0, 0] for v in definition.variants}
    for r in rows:
        arm = totals.setdefault(r["variant"], [0, 0])
        arm[0] += int(r["exposures"])
        arm[1] += int(r[field])
    return {name: ArmCounts(*t) for name, t in totals.items()}


def snapshot_of(row: Mapping[str, Any]) -> Snapshot:
    counted = row["counted_at"]
    return Snapshot(int(row["bucket"]), float(row["refresh_s"]),
                    {k: ArmCounts(*v) for k, v in json.loads(row["counts"]).items()},
                    counted.to_native() if hasattr(counted, "to_native") else counted)


def allocation_body(definition: ExperimentDefinition, variants: list[dict[str, Any]],
                    counts: Mapping[str, ArmCounts] | None,
                    counted_at: datetime | None) -> dict[str, Any]:
    """Adds to each variant of the results the share of new shoppers it gets now (its
    weight in A/B mode, the Thompson allocation from `counts` in bandit mode), and returns
    the results' `bandit` section."""
    if definition.mode != "bandit" or counts is None:
        for v in variants:
            v["allocation"] = v["weight"]
        return {"bandit": None}
    shares = allocation(definition, counts)
    for v in variants:
        v["allocation"] = round(shares[v["name"]], 4)
    settings = definition.bandit_settings
    return {"bandit": {
        "refresh_s": settings.refresh_s, "exploration_floor": settings.exploration_floor,
        "counts_as_of": counted_at.isoformat() if counted_at else None,
        "arms": {k: {"exposures": c.trials, "successes": c.successes}
                 for k, c in counts.items()}}}


class BanditSnapshots:
    def __init__(self, repository: ExperimentRepository,
                 clock: Callable[[], float] = time.time) -> None:
        self._repository = repository
        self._clock = clock
        self._held: dict[str, Snapshot] = {}
        self._reloading: dict[str, asyncio.Task[Snapshot]] = {}

    def period(self, definition: ExperimentDefinition) -> int:
        return int(self._clock() // definition.bandit_settings.refresh_s)

    async def get(self, experiment_id: str, definition: ExperimentDefinition) -> Snapshot:
        refresh = definition.bandit_settings.refresh_s
        held = self._held.get(experiment_id)
        if held is not None and held.refresh_s == refresh and \
                held.bucket >= self.period(definition):
            return held
        task = self._reloading.get(experiment_id)
        if task is None:
            task = asyncio.create_task(self._reload(experiment_id, definition))
            self._reloading[experiment_id] = task
            task.add_done_callback(lambda done: self._forget(experiment_id, done))
        if held is None:
            return await asyncio.shield(task)
        return held

    def _forget(self, experiment_id: str, done: asyncio.Task[Snapshot]) -> None:
        if self._reloading.get(experiment_id) is done:
            del self._reloading[experiment_id]

    async def current(self, experiment_id: str,
                      definition: ExperimentDefinition) -> Snapshot:
        """This period's snapshot, waiting for the reload if one is due (where serving would
        answer with the previous period's meanwhile)."""
        await self.get(experiment_id, definition)
        task = self._reloading.get(experiment_id)
        if task is not None:
            await asyncio.shield(task)
        return self._held[experiment_id]

    async def _reload(self, experiment_id: str, definition: ExperimentDefinition) -> Snapshot:
        try:
            snapshot = await self._load(experiment_id, definition)
        except Exception:
            log.warning("bandit counts of %s could not be read", experiment_id, exc_info=True)
            if experiment_id in self._held:
                return self._held[experiment_id]  # the previous period's serve on
            raise
        self._held[experiment_id] = snapshot
        return snapshot

    async def _load(self, experiment_id: str, definition: ExperimentDefinition) -> Snapshot:
        refresh = definition.bandit_settings.refresh_s
        bucket = self.period(definition)
        stored = await self._repository.bandit_snapshot(experiment_id)
        if stored is not None and float(stored["refresh_s"]) == refresh and \
                int(stored["bucket"]) >= bucket:
            return snapshot_of(stored)  # another process counted this period already
        rows = await self._repository.outcome_rows(experiment_id, FALLBACK_WINDOW_MS)
        counts = {k: [c.trials, c.successes] for k, c in arm_counts(definition, rows).items()}
        saved = await self._repository.save_bandit_snapshot(
            experiment_id, bucket, refresh, json.dumps(counts, sort_keys=True),
            datetime.now(UTC))
        if saved is None:
            raise LookupError(f"experiment {experiment_id!r} is gone")
        return snapshot_of(saved)

    async def close(self) -> None:
        tasks = list(self._reloading.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
