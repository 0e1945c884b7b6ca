"""Shared FastAPI dependencies, as Annotated aliases routes can declare.

Each service comes from the one typed `Services` container the lifespan opened (see
app/wiring/); routes declare what they need and never build a service. Dependencies are
`async def` even though they only read that container: FastAPI runs a plain `def`
dependency in its thread pool, a thread hop per request on the hot paths.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from neo4j import AsyncDriver
from starlette.types import Scope as AsgiScope

from app.analyst.analyst_service import AnalystService
from app.auth.api_key_service import ApiKeyService
from app.auth.api_keys import Scope, grants
from app.auth.auth_service import AuthService
from app.auth.console_sessions import SessionStore
from app.catalog.item_repository import ItemRepository
from app.core.admission import Admission
from app.core.config import Settings
from app.core.errors import ApiError
from app.decisions.decision_service import DecisionService
from app.decisions.placement_service import PlacementService
from app.destinations.destination_service import DestinationService
from app.experiments.experiment_service import ExperimentService
from app.experiments.serving import ExperimentServing
from app.intake.intake_service import IntakeService
from app.intake.queued_intake import QueuedIntake
from app.migrate.runner import MigrationRunner
from app.ops.store_stats import StoreStatsService
from app.predictions.job import PredictionJob
from app.profiles.consent_service import ConsentService
from app.profiles.user_service import UserService
from app.recommend.model_admin import ModelAdmin
from app.recommend.model_refresh import ModelRefresh
from app.recommend.recommendation_service import RecommendationService
from app.segments.audience_export import AudienceExport
from app.segments.draft_explain import DraftExplainer
from app.segments.history import SegmentHistoryService
from app.segments.membership import MembershipService
from app.segments.segment_service import SegmentService
from app.wiring import Services, services_of


def _part(name: str) -> Callable[[Request], Awaitable[Any]]:
    if name not in Services.__dataclass_fields__:
        raise AttributeError(f"Services has no {name!r}")

    async def dependency(request: Request) -> Any:
        return getattr(services_of(request), name)

    dependency.__name__ = f"get_{name}"
    return dependency


SettingsDep = Annotated[Settings, Depends(_part("settings"))]
DriverDep = Annotated[AsyncDriver, Depends(_part("driver"))]
MigrationsDep = Annotated[MigrationRunner, Depends(_part("migrations"))]
AuthDep = Annotated[AuthService, Depends(_part("auth"))]
ApiKeysDep = Annotated[ApiKeyService, Depends(_part("api_keys"))]
IntakeDep = Annotated[IntakeService, Depends(_part("intake"))]
# /v1/batch in Kafka mode (None: direct, the default)
QueuedIntakeDep = Annotated[QueuedIntake | None, Depends(_part("queued_intake"))]
UsersDep = Annotated[UserService, Depends(_part("users"))]
ConsentDep = Annotated[ConsentService, Depends(_part("consent"))]
ItemsDep = Annotated[ItemRepository, Depends(_part("items"))]
SegmentsDep = Annotated[SegmentService, Depends(_part("segments"))]
MembershipDep = Annotated[MembershipService, Depends(_part("membership"))]
AudienceExportDep = Annotated[AudienceExport, Depends(_part("audience_export"))]
DestinationsDep = Annotated[DestinationService, Depends(_part("destinations"))]
AnalystDep = Annotated[AnalystService, Depends(_part("analyst"))]
RecommendationsDep = Annotated[RecommendationService, Depends(_part("recommendations"))]
RecommendAdmissionDep = Annotated[Admission, Depends(_part("recommend_admission"))]
# what the console reads besides the above
SegmentHistoryDep = Annotated[SegmentHistoryService, Depends(_part("segment_history"))]
SegmentDraftsDep = Annotated[DraftExplainer, Depends(_part("segment_drafts"))]
ModelAdminDep = Annotated[ModelAdmin, Depends(_part("model_admin"))]
ModelRefreshDep = Annotated[ModelRefresh, Depends(_part("model_refresh"))]
StoreStatsDep = Annotated[StoreStatsService, Depends(_part("store_stats"))]
ConsoleSessionsDep = Annotated[SessionStore, Depends(_part("console_sessions"))]


async def _experiments(request: Request) -> ExperimentService:
    return services_of(request).experiments.service


async def _experiment_serving(request: Request) -> ExperimentServing:
    return services_of(request).experiments.serving


ExperimentsDep = Annotated[ExperimentService, Depends(_experiments)]
ExperimentServingDep = Annotated[ExperimentServing, Depends(_experiment_serving)]


async def _placements(request: Request) -> PlacementService:
    return services_of(request).decisions.placements


async def _decisions(request: Request) -> DecisionService:
    return services_of(request).decisions.decisions


async def _decision_admission(request: Request) -> Admission:
    return services_of(request).decisions.admission


PlacementsDep = Annotated[PlacementService, Depends(_placements)]
DecisionsDep = Annotated[DecisionService, Depends(_decisions)]
DecisionAdmissionDep = Annotated[Admission, Depends(_decision_admission)]
PredictionsDep = Annotated[PredictionJob, Depends(_part("predictions"))]


def presented_key(request: Request) -> str | None:
    """The API key from `Authorization: Bearer <key>` or Basic auth with the key as username
    (what Segment and RudderStack SDKs send)."""
    return key_of_authorization(request.headers.get("authorization", ""))


def authorization_of(scope: AsgiScope) -> str:
    """The Authorization header of an ASGI scope, as `request.headers` gives it (the first
    one; names are lower case in ASGI), for code that runs before a Request exists."""
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            return value.decode("latin-1")
    return ""


def key_of_authorization(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        username = decoded.partition(":")[0]
        return username or None
    return None


async def scopes_granting(auth: AuthService, key: str | None, needed: Scope
                          ) -> frozenset[str]:
    """The presented key's scopes when they grant `needed`; else the 401 or 403."""
    if key is None:
        raise ApiError(
            401, "unauthorized", "An API key is required (Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": 'Bearer, Basic realm="profilegraph"'},
        )
    scopes = await auth.scopes_for(key)
    if scopes is None:
        raise ApiError(401, "unauthorized", "The API key is unknown or revoked")
    if not grants(scopes, needed):
        raise ApiError(403, "forbidden", f"This API key lacks the '{needed.value}' scope")
    return scopes


def require_scope(scope: Scope) -> Callable[..., Awaitable[frozenset[str]]]:
    async def check(request: Request) -> frozenset[str]:
        return await scopes_granting(services_of(request).auth, presented_key(request), scope)

    check.__name__ = f"require_{scope.value}"
    return check


IngestScope = Annotated[frozenset[str], Depends(require_scope(Scope.ingest))]
ReadScope = Annotated[frozenset[str], Depends(require_scope(Scope.read))]
SegmentsScope = Annotated[frozenset[str], Depends(require_scope(Scope.segments))]
AnalystScope = Annotated[frozenset[str], Depends(require_scope(Scope.analyst))]
AdminScope = Annotated[frozenset[str], Depends(require_scope(Scope.admin))]
