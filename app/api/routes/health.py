"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.deps import DriverDep, MigrationsDep, SettingsDep, require_scope
from app.api.error_docs import ErrorBody
from app.auth.api_keys import Scope
from app.core.config import Environment
from app.core.metrics_processes import exposition
from app.ops.readiness_service import check_readiness

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "not ready: Neo4j down or migrations "
                                      "pending (reason without hosts or ports)"}})
async def readyz(driver: DriverDep, migrations: MigrationsDep, settings: SettingsDep
                 ) -> JSONResponse:
    result = await check_readiness(driver, migrations, settings.neo4j_database)
    if result.ready:
        return JSONResponse({"status": "ready"})
    body = {"status": "not_ready", "reason": result.reason,
            "pending_migrations": list(result.pending_migrations)}
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})


_require_admin = require_scope(Scope.admin)


@router.get("/metrics", response_class=PlainTextResponse,
            responses={401: {"model": ErrorBody, "description": "a key is required "
                             "(PROFILEGRAPH_METRICS_PUBLIC=false)"}})
async def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus metrics; public unless PROFILEGRAPH_METRICS_PUBLIC is false (the default in
    production), then an admin key is required (Prometheus `authorization` credentials)."""
    public = settings.metrics_public
    if public is None:
        public = settings.environment != Environment.production
    if not public:
        await _require_admin(request)
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
