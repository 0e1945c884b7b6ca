"""`/v1/admin/keys`: create, list and revoke API keys (scope admin)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from app.api.deps import AdminScope, ApiKeysDep, AuthDep
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut

router = APIRouter(prefix="/v1/admin/keys", tags=["admin"])


@router.post("", status_code=201, response_model=ApiKeyCreated)
async def create_key(body: ApiKeyCreate, keys: ApiKeysDep, _: AdminScope) -> ApiKeyCreated:
    key, info = await keys.create(body.name, [s.value for s in body.scopes])
    return ApiKeyCreated(key=key, **asdict(info))


@router.get("", response_model=list[ApiKeyOut])
async def list_keys(keys: ApiKeysDep, _: AdminScope) -> list[ApiKeyOut]:
    return [ApiKeyOut(**asdict(i)) for i in await keys.list()]


@router.delete("/{key_id}", response_model=ApiKeyOut)
async def revoke_key(key_id: str, keys: ApiKeysDep, auth: AuthDep, _: AdminScope
                     ) -> ApiKeyOut:
    info = await keys.revoke(key_id)
    auth.forget()  # this replica stops accepting it at once
    return ApiKeyOut(**asdict(info))
