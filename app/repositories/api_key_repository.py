"""Cypher access for stored API keys."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import AsyncDriver, RoutingControl

from app.db.queries import queries


@dataclass(frozen=True)
class StoredKey:
    key_hash: str
    scopes: frozenset[str]
    revoked: bool


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
