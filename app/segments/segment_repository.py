"""Cypher access for segment definitions, versions and the dependency index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.db.database import Database


class SegmentRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def db(self) -> Database:
        return self._db

    async def save(self, segment_id: str, name: str, definition: str, compiled_cypher: str,
                   now: datetime) -> int | None:
        """The new version, or None when a segment of this id is being deleted."""
        rows = await self._db.write_named("segments/save_segment", segment_id=segment_id,
                                          name=name, definition=definition,
                                          compiled_cypher=compiled_cypher, now=now)
        return int(rows[0]["version"]) if rows else None

    async def get(self, segment_id: str) -> dict[str, Any] | None:
        rows = await self._db.read_named("segments/get_segment", segment_id=segment_id)
        return rows[0] if rows else None

    async def list_all(self) -> list[dict[str, Any]]:
        return await self._db.read_named("segments/list_segments")

    async def get_version(self, segment_id: str, version: int) -> dict[str, Any] | None:
        rows = await self._db.read_named("segments/get_segment_version", segment_id=segment_id,
                                         version=version)
        return rows[0] if rows else None

    async def list_versions(self, segment_id: str) -> list[dict[str, Any]]:
        return await self._db.read_named("segments/list_segment_versions", segment_id=segment_id)

    async def index(self) -> list[dict[str, Any]]:
        return await self._db.read_named("segments/list_segment_index")

    async def set_index(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self._db.write_named("segments/set_segment_index", rows=rows)

    async def explain(self, cypher: str, params: dict[str, Any]) -> None:
        """Plans the query without running it; raises the driver's error when it cannot."""
        # Compiled text is generated from validated definitions, never from client strings.
        await self._db.generated_read("EXPLAIN " + cypher, params)
