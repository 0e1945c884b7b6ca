"""Recommendations with experiments: enrollment, the variant's strategy, the exposure.

At most one experiment runs at a time. A shopper is enrolled when the profile exists, has
`personalization` consent, is in the audience segment (if any) and in the traffic share. The
variant is the one recorded in the graph if any (sticky across merges), else the hash of
(salt, resolved profile id), or a Thompson draw in bandit mode.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from app.core.admission import Admission
from app.core.refreshing_cache import RefreshingCache
from app.experiments import metrics
from app.experiments.assignment import hashed_variant, in_traffic
from app.experiments.bandit import thompson_variant
from app.experiments.bandit_snapshots import BanditSnapshots
from app.experiments.definition import ExperimentDefinition
from app.experiments.experiment_repository import ExperimentRepository
from app.experiments.exposure_recorder import ExposureRecorder
from app.experiments.schemas import ExperimentTag, TrackedRecommendations
from app.experiments.strategies import StrategyRunner
from app.recommend.recommendation_repository import UserContext
from app.recommend.schemas import ScoringMode, UserRecommendations

RUNNING_TTL_S = 2.0
PENDING_CAP = 100_000
SURFACE = "user_recommendations"
SURFACE_RECOMMENDATIONS = "recommendations"  # ExperimentDefinition.surface of these


class _Request(NamedTuple):
    id_: str
    limit: int
    category: str | None
    exclude_seen: bool
    context_item: str | None
    mode: ScoringMode
    now: datetime


@dataclass(frozen=True)
class Running:
    experiment_id: str
    salt: str
    definition: ExperimentDefinition


class ExperimentServing:
    def __init__(self, repository: ExperimentRepository, runner: StrategyRunner,
                 recorder: ExposureRecorder, consent_default: str,
                 bandit: BanditSnapshots) -> None:
        self._repository = repository
        self._runner = runner
        self._recorder = recorder
        self._consent_default = consent_default
        self._running: RefreshingCache[None, list[Running]] = RefreshingCache(
            self._load_running, RUNNING_TTL_S, "running experiments")
        self.bandit = bandit  # arm counts shared across processes through the graph
        # Variants chosen here but not yet written: a second request before the write sees
        # the same variant even in bandit mode.
        self._pending: dict[tuple[str, str], str] = {}

    async def _load_running(self, _: None) -> list[Running]:
        return [Running(r["experiment_id"], r["salt"],
                        ExperimentDefinition.model_validate_json(r["definition"]))
                for r in await self._repository.running()]

    def invalidate(self) -> None:
        self._running.invalidate()

    async def close(self) -> None:
        await self._running.close()
        await self.bandit.close()

    async def for_user(self, id_: str, limit: int, category: str | None,
                       exclude_seen: bool, *, context_item: str | None = None,
                       mode: ScoringMode = ScoringMode.live,
                       admission: Admission | None = None) -> TrackedRecommendations:
        """`admission`: the bound on requests worked on at once in this process; the
        shopper is read (grouped with other requests', app/recommend/grouped_reads.py)
        while the request waits for it."""
        now = datetime.now(UTC)
        live = [r for r in await self._running.get(None) if _in_window(r.definition, now)
                and r.definition.surface == SURFACE_RECOMMENDATIONS]
        running = live[0] if live else None
        audience = running.definition.audience if running else None
        request = _Request(id_, limit, category, exclude_seen, context_item, mode, now)
        # One round trip: the shopper for serving and for enrollment alike, read while the
        # request waits for its slot.
        async with self._runner.shopper(id_, running.experiment_id if running else None,
                                        audience.segment_id if audience else None) as reading:
            if admission is None:
                return await self._serve(request, running, await reading)
            async with admission.slot():
                return await self._serve(request, running, await reading)

    async def _serve(self, request: _Request, running: Running | None,
                     ctx: UserContext | None) -> TrackedRecommendations:
        id_, limit, category, exclude_seen, context_item, mode, now = request
        recommendation_id = uuid.uuid4().hex
        enrolled = await self._enroll(running, ctx) if running else None
        if enrolled is None:
            served = await self._runner.run(None, id_, limit, category, exclude_seen,
                                            context_item=context_item, mode=mode, context=ctx)
            metrics.child(metrics.SERVED, served.strategy.value, "", "").inc()
            return _tracked(served, recommendation_id, None)
        running, user_id, variant_name = enrolled
        variant = running.definition.variant(variant_name)
        served = await self._runner.run(variant.strategy if variant else None, user_id, limit,
                                        category, exclude_seen, context_item=context_item,
                                        mode=mode, context=ctx)
        self._observe(running, variant_name, served.strategy.value, served.model_version,
                      served.fallback_reason.value if served.fallback_reason else None)
        self._recorder.record({
            "recommendation_id": recommendation_id, "experiment_id": running.experiment_id,
            "variant": variant_name, "strategy": served.strategy.value,
            "model_version": served.model_version,
            "fallback_reason": served.fallback_reason.value if served.fallback_reason else None,
            "items": [i.item_id for i in served.items], "user_id": served.user_id,
            "at_ms": int(now.timestamp() * 1000), "day": utc_day(now), "surface": SURFACE,
        })
        return _tracked(served, recommendation_id, ExperimentTag(
            experiment_id=running.experiment_id, variant=variant_name))

    async def _enroll(self, running: Running, ctx: UserContext | None
                      ) -> tuple[Running, str, str] | None:
        definition = running.definition
        result = _refusal(ctx, self._consent_default)
        if result is None and ctx is not None:
            user_id = ctx.user_id
            variant = ctx.variant or self._pending.get((running.experiment_id, user_id))
            if variant is None and not in_traffic(definition, running.salt, user_id):
                result = "outside_traffic"
            elif variant is None:
                variant = await self._choose(running, user_id)
                if len(self._pending) >= PENDING_CAP:
                    self._pending.clear()
                self._pending[(running.experiment_id, user_id)] = variant
            if variant is not None and definition.variant(variant) is not None:
                metrics.child(metrics.ENROLLMENT, running.experiment_id, "enrolled").inc()
                return running, user_id, variant
            result = result or "unknown_variant"
        metrics.child(metrics.ENROLLMENT, running.experiment_id, result or "unknown").inc()
        return None

    async def _choose(self, running: Running, user_id: str) -> str:
        definition = running.definition
        if definition.mode != "bandit":
            return hashed_variant(definition, running.salt, user_id)
        snapshot = await self.bandit.get(running.experiment_id, definition)
        return thompson_variant(definition, running.salt, user_id, snapshot.counts,
                                snapshot.bucket)

    @staticmethod
    def _observe(running: Running, variant: str, strategy: str, model_version: str | None,
                 fallback: str | None) -> None:
        metrics.child(metrics.SERVED, strategy, running.experiment_id, variant).inc()
        if model_version:
            metrics.child(metrics.MODEL_SERVED, model_version, variant).inc()
        if fallback:
            metrics.child(metrics.FALLBACKS, strategy, variant, fallback).inc()


def _tracked(served: UserRecommendations, recommendation_id: str,
             experiment: ExperimentTag | None) -> TrackedRecommendations:
    """The served list tagged for attribution. Its fields were validated when it was built:
    the items are handed over as they are (an instance passes validation as is), not dumped
    to dicts and validated again, which cost twice the building of the list."""
    return TrackedRecommendations(**dict(served), recommendation_id=recommendation_id,
                                  experiment=experiment)


def _refusal(ctx: UserContext | None, consent_default: str) -> str | None:
    if ctx is None:
        return "unknown_user"
    consent = ctx.consent
    granted = consent == "granted" or (consent is None and consent_default == "opt_out")
    if not granted:
        return "no_personalization_consent"
    if not ctx.in_audience:
        return "outside_audience"
    return None


def _in_window(definition: ExperimentDefinition, now: datetime) -> bool:
    return ((definition.start is None or definition.start <= now)
            and (definition.stop is None or now < definition.stop))


def utc_day(now: datetime) -> int:
    """The UTC day number (days since 1970-01-01): the unit of the daily looks."""
    return int(now.timestamp() // 86400)
