"""Creating, listing and revoking API keys. The full key is returned once, at creation."""

from __future__ import annotations

from datetime import UTC, datetime

from app.auth.api_key_repository import ApiKeyRepository, KeyInfo
from app.auth.api_keys import Scope, generate_key, hash_key
from app.core.errors import ApiError


class ApiKeyService:
    def __init__(self, repository: ApiKeyRepository) -> None:
        self._repository = repository

    async def create(self, name: str, scopes: list[str]) -> tuple[str, KeyInfo]:
        valid = {s.value for s in Scope}
        unknown = sorted(set(scopes) - valid)
        if unknown or not scopes:
            reason = f"unknown scope(s) {unknown}" if unknown else "at least one scope is needed"
            raise ApiError(422, "invalid_request", f"scopes: {reason}; valid: {sorted(valid)}",
                           [{"field": "scopes", "reason": reason}])
        key_id, key = generate_key()
        info = await self._repository.create(key_id, hash_key(key), name, sorted(set(scopes)),
                                             datetime.now(UTC))
        return key, info

    async def list(self) -> list[KeyInfo]:
        return await self._repository.list()

    async def revoke(self, key_id: str) -> KeyInfo:
        info = await self._repository.revoke(key_id, datetime.now(UTC))
        if info is None:
            raise ApiError(404, "not_found", f"no API key with id '{key_id}'")
        return info
