"""Cypher access for stored API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from neo4j import AsyncDriver, Record, RoutingControl

from app.db.queries import queries


@dataclass(frozen=True)
class StoredKey:
    key_hash: str
    scopes: frozenset[str]
    revoked: bool


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


def _info(r: Record) -> KeyInfo:
    return KeyInfo(r["key_id"], r["name"], list(r["scopes"] or []),
                   r["created_at"].to_native(),
                   r["revoked_at"].to_native() if r["revoked_at"] is not None else None)


class ApiKeyRepository:
    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self._driver = driver
        self._database = database

    async def get(self, key_id: str) -> StoredKey | None:
        records, _, _ = await self._driver.execute_query(
            queries["auth/get_api_key"], key_id=key_id,
            routing_=RoutingControl.READ, database_=self._database,
        )
        if not records:
            return None
        r = records[0]
        return StoredKey(r["key_hash"], frozenset(r["scopes"] or []), bool(r["revoked"]))

    async def create(self, key_id: str, key_hash: str, name: str, scopes: list[str],
                     now: datetime) -> KeyInfo:
        records, _, _ = await self._driver.execute_query(
            queries["auth/create_api_key"], key_id=key_id, key_hash=key_hash, name=name,
            scopes=scopes, now=now, database_=self._database,
        )
        return _info(records[0])

    async def list(self) -> list[KeyInfo]:
        records, _, _ = await self._driver.execute_query(
            queries["auth/list_api_keys"], routing_=RoutingControl.READ,
            database_=self._database,
        )
        return [_info(r) for r in records]

    async def revoke(self, key_id: str, now: datetime) -> KeyInfo | None:
        records, _, _ = await self._driver.execute_query(
            queries["auth/revoke_api_key"], key_id=key_id, now=now, database_=self._database,
        )
        return _info(records[0]) if records else None
