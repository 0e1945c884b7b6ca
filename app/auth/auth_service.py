"""Resolves a presented API key to its scopes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache

from app.auth.api_key_repository import ApiKeyRepository
from app.auth.api_keys import Scope, hash_key, key_id_of, same_secret
from app.core.config import Settings

# Verified keys are remembered briefly so ingest does not pay a lookup per request;
# a revocation takes effect within this many seconds on every replica.
CACHE_TTL_S = 10.0
CACHE_MAX_KEYS = 10_000


class AuthService:
    def __init__(self, settings: Settings, repository: ApiKeyRepository) -> None:
        self._settings = settings
        self._repository = repository
        # key digest -> scopes (None: unknown or revoked, remembered too)
        self._cache: TTLCache[str, frozenset[str] | None] = TTLCache(CACHE_MAX_KEYS, CACHE_TTL_S)
        self._reading: dict[str, asyncio.Future[frozenset[str] | None]] = {}
        self._generation = 0  # moved by forget(): lookups begun before it are not remembered

    async def scopes_for(self, key: str) -> frozenset[str] | None:
        """The key's scopes, or None when the key is unknown, revoked or malformed."""
        admin = self._settings.admin_api_key
        if admin is not None and same_secret(key, admin.get_secret_value()):
            return frozenset({Scope.admin.value})
        digest = hash_key(key)
        try:
            return self._cache[digest]
        except KeyError:
            pass
        # One lookup per key at a time: when its entry expires under load, every request
        # in flight with that key waits for the same read instead of each making one.
        reading = self._reading.get(digest)
        if reading is None:
            reading = asyncio.ensure_future(self._lookup(key, digest))
            self._reading[digest] = reading
            reading.add_done_callback(self._done_reading(digest))
        generation = self._generation
        scopes = await asyncio.shield(reading)
        if generation == self._generation:  # no revocation meanwhile: worth remembering
            self._cache[digest] = scopes
        return scopes

    def _done_reading(self, digest: str) -> Callable[[asyncio.Future[Any]], None]:
        def done(reading: asyncio.Future[Any]) -> None:
            if self._reading.get(digest) is reading:  # not a newer lookup after forget()
                del self._reading[digest]
        return done

    async def scopes_for_hash(self, key_hash: str, key_id: str | None
                              ) -> frozenset[str] | None:
        """As scopes_for, for a key known by its SHA-256 and id (a console session keeps
        these, never the key)."""
        admin = self._settings.admin_api_key
        if admin is not None and same_secret(key_hash, hash_key(admin.get_secret_value())):
            return frozenset({Scope.admin.value})
        if key_id is None:
            return None
        try:
            return self._cache[key_hash]
        except KeyError:
            pass
        scopes = await self._stored(key_id, key_hash)
        self._cache[key_hash] = scopes
        return scopes

    def forget(self) -> None:
        """Drop every remembered key (after a revocation in this process)."""
        self._cache.clear()
        self._reading.clear()
        self._generation += 1

    async def _lookup(self, key: str, digest: str) -> frozenset[str] | None:
        key_id = key_id_of(key)
        if key_id is None:
            return None
        return await self._stored(key_id, digest)

    async def _stored(self, key_id: str, digest: str) -> frozenset[str] | None:
        stored = await self._repository.get(key_id)
        if stored is None or stored.revoked or not same_secret(stored.key_hash, digest):
            return None
        return stored.scopes
