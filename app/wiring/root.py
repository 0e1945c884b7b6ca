"""The composition root: every service of the process, built in one place.

The app's lifespan, the CLI and the importers all open the same `Services`, so an event
imported from a file reaches exactly the listeners (segment membership, serving-vector
erasure) that an event sent to `/v1/batch` reaches. Adding a service is a field here and
one line in `build_services`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from neo4j import AsyncDriver

from app.analyst.analyst_service import AnalystService, WorkerTarget
from app.auth.api_key_repository import ApiKeyRepository
from app.auth.api_key_service import ApiKeyService
from app.auth.auth_service import AuthService
from app.auth.console_sessions import SessionStore
from app.catalog.item_repository import ItemRepository
from app.core.admission import Admission
from app.core.config import Settings
from app.core.metrics import RECOMMEND_WAITING
from app.core.paths import MIGRATIONS_DIR
from app.core.pii_seal import opener, sealer
from app.db.database import Database
from app.db.driver import create_driver
from app.decisions.parts import DecisionParts
from app.decisions.segment_references import placements_naming
from app.destinations.delivery_repository import DeliveryRepository
from app.destinations.delivery_worker import DeliveryWorker
from app.destinations.destination_repository import DestinationRepository
from app.destinations.destination_service import DestinationService
from app.destinations.segment_references import destinations_naming
from app.experiments.parts import ExperimentParts
from app.experiments.segment_references import experiments_naming
from app.intake.ingest_hooks import IngestHooks
from app.intake.intake_repository import IntakeRepository
from app.intake.intake_service import IntakeService
from app.intake.kafka_consumer import KafkaIntake
from app.intake.kafka_producer import IntakeProducer
from app.intake.queued_intake import QueuedIntake
from app.intake.receipt_retention import ReceiptRetention
from app.migrate.runner import MigrationRunner
from app.ops.store_stats import StoreStatsService
from app.predictions.job import PredictionJob
from app.predictions.repository import PredictionRepository
from app.profiles.consent_service import ConsentService
from app.profiles.user_repository import UserRepository
from app.profiles.user_service import UserService
from app.recommend.item_infos import ITEM_CACHE_TTL_S
from app.recommend.model_admin import ModelAdmin
from app.recommend.model_refresh import ModelRefresh
from app.recommend.model_refresh_repository import ModelRefreshRepository
from app.recommend.model_store import ModelStore
from app.recommend.popularity_service import PopularityService
from app.recommend.recommendation_repository import RecommendationRepository
from app.recommend.recommendation_service import RecommendationService
from app.recommend.warm_histories import WarmHistories
from app.segments.audience_export import AudienceExport
from app.segments.deletion import SegmentDeleter
from app.segments.draft_explain import DraftExplainer
from app.segments.history import SegmentHistoryService
from app.segments.history_retention import HistoryRetention
from app.segments.loaded import CompileCache
from app.segments.membership import MembershipRepository, MembershipService, MembershipWorker
from app.segments.segment_repository import SegmentRepository
from app.segments.segment_service import SegmentService
from app.wiring.features import (
    build_decisions,
    build_experiments,
    build_senders,
    forget_erased,
)

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection


@dataclass
class Services:
    """One instance of each service over one driver. Mutable only so tests can swap a part."""

    settings: Settings
    driver: AsyncDriver
    migrations: MigrationRunner
    auth: AuthService
    api_keys: ApiKeyService
    ingest_hooks: IngestHooks
    intake: IntakeService
    receipt_retention: ReceiptRetention
    users: UserService
    consent: ConsentService
    items: ItemRepository
    segments: SegmentService
    segment_housekeeping: HistoryRetention
    membership: MembershipService
    membership_worker: MembershipWorker
    audience_export: AudienceExport
    destinations: DestinationService
    delivery_worker: DeliveryWorker
    kafka_intake: KafkaIntake | None  # PROFILEGRAPH_KAFKA_INTAKE_TOPIC set
    queued_intake: QueuedIntake | None  # PROFILEGRAPH_INTAKE_MODE=kafka
    analyst: AnalystService
    models: ModelStore
    popularity: PopularityService
    recommendation_repository: RecommendationRepository
    recommendations: RecommendationService
    recommend_admission: Admission
    # what the console reads besides the above; its sign-in sessions live in the graph
    segment_history: SegmentHistoryService
    segment_drafts: DraftExplainer
    model_admin: ModelAdmin
    model_refresh: ModelRefresh
    store_stats: StoreStatsService
    console_sessions: SessionStore
    experiments: ExperimentParts
    decisions: DecisionParts
    predictions: PredictionJob

    async def close(self) -> None:
        """Stops the services' own background reads; the driver closes after this."""
        await self.delivery_worker.close()
        if self.queued_intake is not None:
            await self.queued_intake.close()  # flushes what is still in flight
        await self.experiments.close()
        await self.decisions.close()
        await self.popularity.close()
        await self.recommendations.close()


def build_services(settings: Settings, driver: AsyncDriver) -> Services:
    """Builds every service and registers the ingest listeners. Starts no task."""
    db = settings.neo4j_database
    database = Database(driver, db)
    hooks = IngestHooks()
    intake = IntakeService(IntakeRepository(database), hooks, settings,
                           seal=sealer(settings), group_commit=settings.intake_group_commit)
    users = UserService(UserRepository(database), hooks, settings, opener(settings))
    compiled = CompileCache()
    segment_repository, member_repository = SegmentRepository(database), \
        MembershipRepository(database)
    membership = MembershipService(
        segment_repository, member_repository, compiled,
        evaluate_concurrency=settings.segment_drain_concurrency)
    worker = MembershipWorker(membership, wait_s=settings.segment_membership_wait_s,
                              sweep_interval_s=settings.segment_sweep_interval_s)
    # Who may name a segment outside segments: checked under its lock before a DELETE.
    deleter = SegmentDeleter(database, settings.segment_delete_batch, finders=[
        placements_naming, experiments_naming, destinations_naming])
    recommend_repository = RecommendationRepository(database, WarmHistories(
        settings.recs_warm_histories, ITEM_CACHE_TTL_S))
    models = ModelStore(settings.artifacts_dir)
    popularity = PopularityService(recommend_repository, settings.popular_cache_ttl_s,
                                   settings.popular_recent_days)
    api_key_repository = ApiKeyRepository(database)
    destinations = DestinationService(DestinationRepository(database), settings)
    recommendations = RecommendationService(settings, recommend_repository, models, popularity)
    experiments = build_experiments(settings, database, segment_repository, recommendations,
                                    models, recommend_repository, popularity)
    services = Services(
        settings=settings,
        driver=driver,
        migrations=MigrationRunner(driver, MIGRATIONS_DIR, database=db,
                                   lock_timeout_s=settings.migration_lock_timeout_s,
                                   lock_stale_s=settings.migration_lock_stale_s),
        auth=AuthService(settings, api_key_repository),
        api_keys=ApiKeyService(api_key_repository),
        ingest_hooks=hooks,
        intake=intake,
        receipt_retention=ReceiptRetention(database, settings.message_receipt_retention_days),
        users=users,
        consent=ConsentService(intake, users),
        items=ItemRepository(database),
        segments=SegmentService(segment_repository, member_repository, membership, compiled,
                                deleter=deleter),
        segment_housekeeping=HistoryRetention(
            database, deleter, settings.segment_history_retention_days,
            settings.segment_history_max_per_segment),
        membership=membership,
        membership_worker=worker,
        audience_export=AudienceExport(database),
        destinations=destinations,
        delivery_worker=DeliveryWorker(DeliveryRepository(database),
                                       build_senders(settings, destinations), settings),
        kafka_intake=(KafkaIntake(intake, settings)
                      if settings.kafka_bootstrap_servers and settings.kafka_intake_topic
                      else None),
        queued_intake=(QueuedIntake(database, IntakeProducer(
            settings.kafka_bootstrap_servers, settings.kafka_intake_topic,
            settings.kafka_produce_timeout_s)) if settings.intake_mode == "kafka" else None),
        analyst=AnalystService(WorkerTarget.from_settings(settings), settings.analyst_timeout_s,
                               settings.analyst_row_cap, settings.analyst_byte_cap,
                               settings.analyst_workers),
        models=models,
        popularity=popularity,
        recommendation_repository=recommend_repository,
        recommendations=recommendations,
        recommend_admission=Admission(settings.recommend_max_concurrency, RECOMMEND_WAITING),
        segment_history=SegmentHistoryService(database),
        segment_drafts=DraftExplainer(member_repository),
        model_admin=ModelAdmin(settings.artifacts_dir, models),
        model_refresh=ModelRefresh(settings, ModelRefreshRepository(database), models),
        store_stats=StoreStatsService(database),
        console_sessions=SessionStore(database),
        experiments=experiments,
        decisions=build_decisions(settings, database, experiments.exposures,
                                  experiments.service),
        predictions=PredictionJob(PredictionRepository(database), settings, membership.refresh),
    )
    # Intake records membership work in the graph; the worker applies it (in a serving
    # process in the background, elsewhere at once, before the ingest call returns).
    hooks.register(worker.on_ingest)
    hooks.register(services.experiments.attribution.on_ingest)
    hooks.register(forget_erased(models))
    hooks.register(services.delivery_worker.on_ingest)
    return services


@asynccontextmanager
async def open_services(settings: Settings, driver: AsyncDriver | None = None
                        ) -> AsyncIterator[Services]:
    """The services over a new driver (closed on exit), or over `driver` (left open)."""
    own = driver is None
    driver = driver or create_driver(settings)
    try:
        services = build_services(settings, driver)
        try:
            yield services
        finally:
            await services.close()
    finally:
        if own:
            await driver.close()


def services_of(connection: HTTPConnection) -> Services:
    """The container the app's lifespan opened and attached to `app.state.services`: the
    one read of `app.state` (API dependencies and console pages go through here)."""
    return connection.app.state.services
