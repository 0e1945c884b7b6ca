"""Placements under experiment: a placement's rule sets tested against each other by the
experiment machinery (definitions, deterministic assignment, journaled exposures,
attribution by id, results).

An experiment whose variants are all of kind `placement` (one placement) serves that
placement; one runs per placement at a time, beside the recommendation experiment. Its
assignment follows recommendations' rules (docs/experiments.md): enrolled with
personalization consent, in the audience and the traffic share; the variant recorded in the
graph wins, else the hash of (salt, resolved profile id). The recorded variant comes back in
the decision's one read, so enrollment adds no round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.refreshing_cache import RefreshingCache
from app.experiments import metrics
from app.experiments.assignment import hashed_variant, in_traffic
from app.experiments.definition import ExperimentDefinition, Strategy
from app.experiments.experiment_repository import ExperimentRepository
from app.experiments.exposure_recorder import ExposureRecorder
from app.experiments.serving import utc_day

RUNNING_TTL_S = 2.0
PREFIX = "placement:"


@dataclass(frozen=True)
class RunningPlacementTest:
    experiment_id: str
    salt: str
    definition: ExperimentDefinition

    @property
    def pinned_versions(self) -> list[int]:
        return sorted({v.strategy.placement_version for v in self.definition.variants
                       if v.strategy.placement_version is not None})


class PlacementExperiments:
    def __init__(self, repository: ExperimentRepository, recorder: ExposureRecorder) -> None:
        self._repository = repository
        self._recorder = recorder
        self._running: RefreshingCache[None, dict[str, RunningPlacementTest]] = \
            RefreshingCache(self._load, RUNNING_TTL_S, "running placement experiments")

    async def _load(self, _: None) -> dict[str, RunningPlacementTest]:
        out: dict[str, RunningPlacementTest] = {}
        for r in await self._repository.running():
            definition = ExperimentDefinition.model_validate_json(r["definition"])
            if definition.surface.startswith(PREFIX):
                out[definition.surface.removeprefix(PREFIX)] = RunningPlacementTest(
                    r["experiment_id"], r["salt"], definition)
        return out

    def invalidate(self) -> None:
        self._running.invalidate()

    async def close(self) -> None:
        await self._running.close()

    async def running(self, placement_id: str) -> RunningPlacementTest | None:
        test = (await self._running.get(None)).get(placement_id)
        if test is None:
            return None
        now, d = datetime.now(UTC), test.definition
        if (d.start is not None and now < d.start) or (d.stop is not None and now >= d.stop):
            return None
        return test

    @staticmethod
    def enroll(test: RunningPlacementTest, user_id: str, segments: frozenset[str],
               assigned: str | None) -> tuple[str, Strategy] | None:
        """The variant (name, strategy) of a consented shopper, or None when not enrolled."""
        definition = test.definition
        if definition.audience is not None and definition.audience.segment_id not in segments:
            metrics.ENROLLMENT.labels(test.experiment_id, "outside_audience").inc()
            return None
        name = assigned
        if name is None:
            if not in_traffic(definition, test.salt, user_id):
                metrics.ENROLLMENT.labels(test.experiment_id, "outside_traffic").inc()
                return None
            name = hashed_variant(definition, test.salt, user_id)
        variant = definition.variant(name)
        if variant is None:
            metrics.ENROLLMENT.labels(test.experiment_id, "unknown_variant").inc()
            return None
        metrics.ENROLLMENT.labels(test.experiment_id, "enrolled").inc()
        return name, variant.strategy

    def record(self, *, decision_id: str, test: RunningPlacementTest, variant: str,
               placement_id: str, content_id: str, user_id: str) -> None:
        """The exposure, journaled now and written by the experiments' writer."""
        now = datetime.now(UTC)
        metrics.SERVED.labels("placement", test.experiment_id, variant).inc()
        self._recorder.record({
            "recommendation_id": decision_id, "experiment_id": test.experiment_id,
            "variant": variant, "strategy": "placement", "model_version": None,
            "fallback_reason": None, "items": [content_id], "user_id": user_id,
            "at_ms": int(now.timestamp() * 1000), "day": utc_day(now),
            "surface": PREFIX + placement_id})


def start_check(get_placement: Any, get_version: Any):
    """An experiment start check: the placement and the versions it pins exist."""

    async def check(definition: ExperimentDefinition) -> dict[str, str] | None:
        if not definition.surface.startswith(PREFIX):
            return None
        placement_id = definition.surface.removeprefix(PREFIX)
        if await get_placement(placement_id) is None:
            return {"field": "/variants/0/strategy/placement_id",
                    "reason": f"no placement {placement_id!r}"}
        for n, v in enumerate(definition.variants):
            pinned = v.strategy.placement_version
            if pinned is not None and await get_version(placement_id, pinned) is None:
                return {"field": f"/variants/{n}/strategy/placement_version",
                        "reason": f"placement {placement_id!r} has no version {pinned}"}
        return None

    return check
