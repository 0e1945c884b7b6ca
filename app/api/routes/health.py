"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.deps import DriverDep, MigrationsDep, SettingsDep
from app.ops.readiness_service import check_readiness

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(driver: DriverDep, migrations: MigrationsDep, settings: SettingsDep
                 ) -> JSONResponse:
    result = await check_readiness(driver, migrations, settings.neo4j_database)
    if result.ready:
        return JSONResponse({"status": "ready"})
    body = {"status": "not_ready", "reason": result.reason,
            "pending_migrations": list(result.pending_migrations)}
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})


@router.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
