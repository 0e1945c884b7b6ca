"""`/v1/admin/models`: the model runs, and promote / roll back with a reason (scope admin).
The same logic as the console's buttons and `profilegraph model` (app/recommend/model_admin.py)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from app.api.deps import AdminScope, ModelAdminDep, ModelRefreshDep, presented_key
from app.api.error_docs import ErrorBody
from app.auth.api_keys import key_id_of
from app.recommend.model_admin import ModelAdmin
from app.recommend.schemas import ModelChange, ModelChanged, ModelRun, ModelsOverview

router = APIRouter(prefix="/v1/admin/models", tags=["admin"])


def _actor(request: Request) -> str:
    key = presented_key(request)
    return "api:" + ((key_id_of(key) if key else None) or "admin-key")


async def overview(admin: ModelAdmin) -> ModelsOverview:
    runs, history, target = await asyncio.gather(
        asyncio.to_thread(admin.runs), asyncio.to_thread(admin.history),
        asyncio.to_thread(admin.rollback_target))
    return ModelsOverview(
        promoted=next((r.version for r in runs if r.promoted), None),
        served=next((r.version for r in runs if r.served), None), rollback_target=target,
        runs=[ModelRun(version=r.version, model=r.manifest.get("model"),
                       trained_at=r.manifest.get("trained_at"), promoted=r.promoted,
                       served=r.served, metrics=r.metrics,
                       promotion=r.manifest.get("promotion")) for r in runs],
        history=list(reversed(history)))


@router.get("", response_model=ModelsOverview)
async def list_models(admin: ModelAdminDep, refresh: ModelRefreshDep, _: AdminScope
                      ) -> ModelsOverview:
    out = await overview(admin)
    out.refresh = (await refresh.status()).as_dict()
    return out


@router.post("/rollback", response_model=ModelChanged, responses={
    409: {"model": ErrorBody, "description": "no earlier promoted model to return to"}})
async def rollback(body: ModelChange, request: Request, admin: ModelAdminDep, _: AdminScope
                   ) -> ModelChanged:
    previous = await asyncio.to_thread(admin.promoted)
    version = await admin.rollback(_actor(request), body.reason)
    return ModelChanged(version=version, previous=previous, reason=body.reason)


@router.post("/{version}/promote", response_model=ModelChanged, responses={
    404: {"model": ErrorBody, "description": "no such model run"}})
async def promote(version: str, body: ModelChange, request: Request, admin: ModelAdminDep,
                  _: AdminScope) -> ModelChanged:
    previous = await asyncio.to_thread(admin.promoted)
    await admin.promote(version, _actor(request), body.reason)
    return ModelChanged(version=version, previous=previous, reason=body.reason)
