"""Experiment services for the app: the exposure writer, the attribution listener and the
serving hook, started in the lifespan; and the plain service for the CLI."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from neo4j import AsyncDriver

from app.core.config import Settings
from app.core.refreshing_cache import RefreshingCache
from app.experiments.attribution import AttributionListener
from app.experiments.bandit import ArmCounts
from app.experiments.definition import ExperimentDefinition
from app.experiments.experiment_repository import ExperimentRepository
from app.experiments.experiment_service import FALLBACK_WINDOW_MS, ExperimentService
from app.experiments.exposure_recorder import ExposureRecorder
from app.experiments.serving import ExperimentServing
from app.experiments.strategies import StrategyCheck, StrategyRunner
from app.recommend.popularity_service import PopularityService
from app.recommend.recommendation_repository import RecommendationRepository
from app.segments.segment_repository import SegmentRepository

METRIC_FIELD = {"ctr": "clicks", "conversion": "conversions",
                "revenue_per_exposure": "conversions"}


def build_experiment_service(driver: AsyncDriver, settings: Settings,
                             check: StrategyCheck | None = None) -> ExperimentService:
    database = settings.neo4j_database
    return ExperimentService(ExperimentRepository(driver, database),
                             SegmentRepository(driver, database), check)


@dataclass
class ExperimentRuntime:
    service: ExperimentService
    serving: ExperimentServing
    recorder: ExposureRecorder
    attribution: AttributionListener


def bandit_counts(repository: ExperimentRepository) -> RefreshingCache[
        str, tuple[int, dict[str, ArmCounts]]]:
    """Per-arm trials and successes of the primary metric, reloaded every `refresh_s`."""

    async def load(experiment_id: str) -> tuple[int, dict[str, ArmCounts]]:
        row = await repository.get(experiment_id)
        definition = ExperimentDefinition.model_validate_json(row["definition"]) if row else None
        field = METRIC_FIELD[definition.primary_metric] if definition else "clicks"
        trials: dict[str, list[int]] = {}
        for r in await repository.outcome_rows(experiment_id, FALLBACK_WINDOW_MS):
            arm = trials.setdefault(r["variant"], [0, 0])
            arm[0] += int(r["exposures"])
            arm[1] += int(r[field])
        refresh = definition.bandit_settings.refresh_s if definition else 60.0
        return int(time.time() // refresh), {k: ArmCounts(*v) for k, v in trials.items()}

    return RefreshingCache(load, 60.0, "bandit counts")


@asynccontextmanager
async def experiments_lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    driver = app.state.driver
    repository = ExperimentRepository(driver, settings.neo4j_database)
    recs_repository = RecommendationRepository(driver, settings.neo4j_database)
    popularity = PopularityService(recs_repository, settings.popular_cache_ttl_s,
                                   settings.popular_recent_days)
    runner = StrategyRunner(app.state.recommendations, app.state.models, recs_repository,
                            popularity)
    service = build_experiment_service(driver, settings, runner.check)
    recorder = ExposureRecorder(repository.write_exposures, settings.exposure_journal_dir)
    counts = bandit_counts(repository)
    serving = ExperimentServing(repository, runner, recorder, settings.consent_default, counts)
    service.on_change.append(serving.invalidate)
    attribution = AttributionListener(repository)
    app.state.ingest_hooks.register(attribution.on_ingest)
    app.state.experiments = ExperimentRuntime(service, serving, recorder, attribution)
    recorder.start()  # replays what an earlier process left in the journal
    attribution.start()
    try:
        yield
    finally:
        await attribution.close()
        await serving.close()
        await counts.close()
        await popularity.close()
        await recorder.close()
