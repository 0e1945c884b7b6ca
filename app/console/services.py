"""The services the console pages use, built once per app from what the lifespan wired.

Pages call these services only; none of them holds Cypher of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI, Request

from app.analyst.analyst_service import AnalystService
from app.auth.auth_service import AuthService
from app.console.sessions import SessionStore
from app.core.config import Settings
from app.core.pii_seal import opener
from app.ops.store_stats import StoreStatsService
from app.profiles.user_repository import UserRepository
from app.profiles.user_service import UserService
from app.recommend.model_admin import ModelAdmin
from app.recommend.recommendation_service import RecommendationService
from app.segments.draft_explain import DraftExplainer
from app.segments.history import SegmentHistoryService
from app.segments.membership_repository import MembershipRepository
from app.segments.segment_service import SegmentService


@dataclass(frozen=True)
class ConsoleServices:
    settings: Settings
    auth: AuthService
    sessions: SessionStore
    users: UserService
    segments: SegmentService
    segment_history: SegmentHistoryService
    drafts: DraftExplainer
    analyst: AnalystService
    recommendations: RecommendationService
    models: ModelAdmin
    stats: StoreStatsService


def build_console_services(app: FastAPI) -> ConsoleServices:
    state = app.state
    settings: Settings = state.settings
    driver, database = state.driver, settings.neo4j_database
    return ConsoleServices(
        settings=settings, auth=state.auth, sessions=SessionStore(),
        users=UserService(UserRepository(driver, database), state.ingest_hooks,
                          settings.consent_default, opener(settings)),
        segments=state.segments,
        segment_history=SegmentHistoryService(driver, database),
        drafts=DraftExplainer(MembershipRepository(driver, database)),
        analyst=state.analyst, recommendations=state.recommendations,
        models=ModelAdmin(settings.artifacts_dir, state.models),
        stats=StoreStatsService(driver, database),
    )


def console_services(request: Request) -> ConsoleServices:
    state = request.app.state
    services = getattr(state, "console", None)
    if services is None or services.segments is not state.segments:  # a new lifespan
        services = state.console = build_console_services(request.app)
    return services
