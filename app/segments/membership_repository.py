"""Cypher access for materialized segment membership and its history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.db.database import Database
from app.db.queries import queries


class MembershipRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def _rows(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return await self._db.read(queries[name], params)

    async def run_compiled(self, cypher: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Runs generated segment Cypher (compiled from a validated definition)."""
        return await self._db.generated_read(cypher, params)

    async def run_single(self, cypher: str, params: Mapping[str, Any], write: bool = False
                         ) -> list[dict[str, Any]]:
        """One idempotent statement (it applies only the changes it finds) in an auto-commit
        transaction: RUN and PULL in one round trip, transient errors retried."""
        return await self._db.autocommit(cypher, params, write=write)

    async def run_batched(self, cypher: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A statement with `CALL ... IN TRANSACTIONS`, which needs an auto-commit
        transaction; each batch commits on its own, and the statement is idempotent."""
        return await self._db.autocommit(cypher, params)

    async def member_ids(self, segment_id: str) -> set[str]:
        rows = await self._rows("segments/list_member_ids", segment_id=segment_id)
        return {r["user_id"] for r in rows}

    async def record_merged_exits(self, user_ids: list[str], now: datetime) -> int:
        rows = await self.run_single(queries["segments/record_merged_exits"],
                                     {"user_ids": user_ids, "now": now}, write=True)
        return int(rows[0]["exited"]) if rows else 0

    async def page(self, segment_id: str, after: str | None, limit: int) -> list[dict[str, Any]]:
        return await self._rows("segments/list_members", segment_id=segment_id, after=after,
                                limit=limit)

    async def count(self, segment_id: str) -> int | None:
        rows = await self._rows("segments/count_members", segment_id=segment_id)
        return int(rows[0]["size"]) if rows else None

    async def user_segments(self, user_id: str) -> list[dict[str, Any]] | None:
        rows = await self._rows("segments/list_user_segments", user_id=user_id)
        return rows[0]["segments"] if rows else None

    async def changes(self, segment_id: str, user_id: str | None, limit: int
                      ) -> list[dict[str, Any]]:
        return await self._rows("segments/list_membership_changes", segment_id=segment_id,
                                user_id=user_id, limit=limit)
