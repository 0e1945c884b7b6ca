"""`/v1/admin/keys`: create, list and revoke API keys (scope admin)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request

from app.api.deps import AdminScope
from app.auth.api_key_repository import ApiKeyRepository
from app.auth.api_key_service import ApiKeyService
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut

router = APIRouter(prefix="/v1/admin/keys", tags=["admin"])


def _service(request: Request) -> ApiKeyService:
    state = request.app.state
    return ApiKeyService(ApiKeyRepository(state.db))


@router.post("", status_code=201, response_model=ApiKeyCreated)
async def create_key(body: ApiKeyCreate, request: Request, _: AdminScope) -> ApiKeyCreated:
    key, info = await _service(request).create(body.name, [s.value for s in body.scopes])
    return ApiKeyCreated(key=key, **asdict(info))


@router.get("", response_model=list[ApiKeyOut])
async def list_keys(request: Request, _: AdminScope) -> list[ApiKeyOut]:
    return [ApiKeyOut(**asdict(i)) for i in await _service(request).list()]


@router.delete("/{key_id}", response_model=ApiKeyOut)
async def revoke_key(key_id: str, request: Request, _: AdminScope) -> ApiKeyOut:
    info = await _service(request).revoke(key_id)
    request.app.state.auth.forget()  # this replica stops accepting it at once
    return ApiKeyOut(**asdict(info))
