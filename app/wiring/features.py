"""How the composition root (app/wiring/root.py) builds the parts of the features that have
several: experiments, decisions, the destinations' senders, and the erasure listener. Nothing
outside app/wiring/ builds a service or a repository."""

from __future__ import annotations

from app.core.admission import Admission
from app.core.config import Settings
from app.db.database import Database
from app.decisions.decision_service import DecisionService
from app.decisions.experiments import PlacementExperiments, start_check
from app.decisions.metrics import WAITING
from app.decisions.parts import DecisionParts
from app.decisions.placement_repository import PlacementRepository
from app.decisions.placement_service import PlacementService
from app.destinations.destination_service import DestinationService
from app.destinations.kafka_sender import KafkaSender
from app.destinations.senders import Sender, WebhookSender
from app.experiments.attribution import AttributionListener
from app.experiments.bandit_snapshots import BanditSnapshots
from app.experiments.experiment_repository import ExperimentRepository
from app.experiments.experiment_service import ExperimentService
from app.experiments.exposure_recorder import ExposureRecorder
from app.experiments.parts import ExperimentParts
from app.experiments.serving import ExperimentServing
from app.experiments.strategies import StrategyRunner
from app.intake.ingest_hooks import IngestedChange, Listener
from app.recommend.model_store import ModelStore
from app.recommend.popularity_service import PopularityService
from app.recommend.recommendation_repository import RecommendationRepository
from app.recommend.recommendation_service import RecommendationService
from app.segments.segment_repository import SegmentRepository


def build_experiments(settings: Settings, database: Database, segments: SegmentRepository,
                 recommendations: RecommendationService, models: ModelStore,
                 recommend_repository: RecommendationRepository,
                 popularity: PopularityService) -> ExperimentParts:
    """The experiment parts; starts nothing (app/experiments/parts.py: `experiment_work`)."""
    repository = ExperimentRepository(database)
    runner = StrategyRunner(recommendations, models, recommend_repository, popularity)
    service = ExperimentService(repository, segments, runner.check)
    exposures = ExposureRecorder(repository.write_exposures, settings.exposure_journal_dir)
    serving = ExperimentServing(repository, runner, exposures, settings.consent_default,
                                BanditSnapshots(repository))
    service.on_change.append(serving.invalidate)
    return ExperimentParts(service, serving, exposures, AttributionListener(repository))


def build_senders(settings: Settings, destinations: DestinationService) -> dict[str, Sender]:
    """How deliveries leave, per destination kind (Kafka only when configured)."""
    senders: dict[str, Sender] = {
        "webhook": WebhookSender(destinations.allowed_networks, settings.delivery_timeout_s)}
    if settings.kafka_bootstrap_servers:
        senders["kafka"] = KafkaSender(settings.kafka_bootstrap_servers)
    return senders


def forget_erased(models: ModelStore) -> Listener:
    """Erasure drops the users' serving vectors at once, not at the next model."""
    async def on_change(change: IngestedChange) -> None:
        if change.erased:
            models.forget_users(change.erased)

    return on_change




def build_decisions(settings: Settings, database: Database, exposures: ExposureRecorder,
                    experiment_service: ExperimentService) -> DecisionParts:
    """Placements and decisions over the experiments' exposure writer; a placement
    experiment's start is checked against the stored placements."""
    repository = PlacementRepository(database)
    placements = PlacementService(repository)
    tests = PlacementExperiments(ExperimentRepository(database), exposures)
    experiment_service.on_change.append(tests.invalidate)
    experiment_service.start_checks.append(start_check(repository.get, repository.get_version))
    return DecisionParts(placements, DecisionService(repository, placements, tests, settings),
                         tests, Admission(settings.decision_max_concurrency, WAITING))
