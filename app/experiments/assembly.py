"""The experiment parts, built for the composition root (app/wiring.py), and the background
work a serving process runs for them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from app.core.config import Settings
from app.db.database import Database
from app.experiments.attribution import AttributionListener
from app.experiments.bandit_snapshots import BanditSnapshots
from app.experiments.experiment_repository import ExperimentRepository
from app.experiments.experiment_service import ExperimentService
from app.experiments.exposure_recorder import ExposureRecorder
from app.experiments.serving import ExperimentServing
from app.experiments.strategies import StrategyRunner
from app.recommend.model_store import ModelStore
from app.recommend.popularity_service import PopularityService
from app.recommend.recommendation_repository import RecommendationRepository
from app.recommend.recommendation_service import RecommendationService
from app.segments.segment_repository import SegmentRepository


@dataclass(frozen=True)
class ExperimentParts:
    service: ExperimentService
    serving: ExperimentServing
    exposures: ExposureRecorder
    attribution: AttributionListener

    async def close(self) -> None:
        await self.serving.close()


def build_experiments(settings: Settings, database: Database,
                      recommendations: RecommendationService, models: ModelStore,
                      recommend_repository: RecommendationRepository,
                      popularity: PopularityService) -> ExperimentParts:
    """Builds the parts; starts nothing (see `experiment_work`)."""
    repository = ExperimentRepository(database)
    runner = StrategyRunner(recommendations, models, recommend_repository, popularity)
    service = ExperimentService(repository, SegmentRepository(database), runner.check)
    exposures = ExposureRecorder(repository.write_exposures, settings.exposure_journal_dir)
    serving = ExperimentServing(repository, runner, exposures, settings.consent_default,
                                BanditSnapshots(repository))
    service.on_change.append(serving.invalidate)
    return ExperimentParts(service, serving, exposures, AttributionListener(repository))


@asynccontextmanager
async def experiment_work(parts: ExperimentParts) -> AsyncIterator[None]:
    """The exposure writer (which first replays what an earlier process left in the journal)
    and the attribution pass; on exit a last flush, whatever fails stays journaled."""
    parts.exposures.start()
    parts.attribution.start()
    try:
        yield
    finally:
        await parts.attribution.close()
        await parts.exposures.close()
