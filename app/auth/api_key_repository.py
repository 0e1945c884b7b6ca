"""Cypher access for stored API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from neo4j import Record

from app.db.database import Database
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
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key_id: str) -> StoredKey | None:
        records = await self._db.read_records(queries["auth/get_api_key"], {"key_id": key_id})
        if not records:
            return None
        r = records[0]
        return StoredKey(r["key_hash"], frozenset(r["scopes"] or []), bool(r["revoked"]))

    async def create(self, key_id: str, key_hash: str, name: str, scopes: list[str],
                     now: datetime) -> KeyInfo:
        records = await self._db.write_records(queries["auth/create_api_key"], {
            "key_id": key_id, "key_hash": key_hash, "name": name, "scopes": scopes, "now": now})
        return _info(records[0])

    async def list(self) -> list[KeyInfo]:
        records = await self._db.read_records(queries["auth/list_api_keys"])
        return [_info(r) for r in records]

    async def revoke(self, key_id: str, now: datetime) -> KeyInfo | None:
        records = await self._db.write_records(queries["auth/revoke_api_key"],
                                               {"key_id": key_id, "now": now})
        return _info(records[0]) if records else None
