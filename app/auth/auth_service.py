"""Resolves a presented API key to its scopes."""

from __future__ import annotations

import time

from app.auth.api_key_repository import ApiKeyRepository
from app.auth.api_keys import Scope, hash_key, key_id_of, same_secret
from app.core.config import Settings

# Verified keys are remembered briefly so ingest does not pay a lookup per request;
# a revocation takes effect within this many seconds on every replica.
CACHE_TTL_S = 10.0


class AuthService:
    def __init__(self, settings: Settings, repository: ApiKeyRepository) -> None:
        self._settings = settings
        self._repository = repository
        self._cache: dict[str, tuple[float, frozenset[str] | None]] = {}

    async def scopes_for(self, key: str) -> frozenset[str] | None:
        """The key's scopes, or None when the key is unknown, revoked or malformed."""
        admin = self._settings.admin_api_key
        if admin is not None and same_secret(key, admin.get_secret_value()):
            return frozenset({Scope.admin.value})
        digest = hash_key(key)
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached and now - cached[0] < CACHE_TTL_S:
            return cached[1]
        scopes = await self._lookup(key, digest)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now, scopes)
        return scopes

    def forget(self) -> None:
        self._cache.clear()

    async def _lookup(self, key: str, digest: str) -> frozenset[str] | None:
        key_id = key_id_of(key)
        if key_id is None:
            return None
        stored = await self._repository.get(key_id)
        if stored is None or stored.revoked or not same_secret(stored.key_hash, digest):
            return None
        return stored.scopes
