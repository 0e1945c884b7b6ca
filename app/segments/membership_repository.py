"""Cypher access for materialized segment membership and its history."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from neo4j import READ_ACCESS, WRITE_ACCESS, AsyncDriver, RoutingControl
from neo4j.exceptions import TransientError

from app.db.queries import queries

TRANSIENT_ATTEMPTS = 3


class MembershipRepository:
    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self._driver = driver
        self._database = database

    async def _rows(self, query: str, params: Mapping[str, Any], write: bool = False
                    ) -> list[dict[str, Any]]:
        records, _, _ = await self._driver.execute_query(
            query, dict(params), database_=self._database,  # type: ignore[arg-type]
            routing_=RoutingControl.WRITE if write else RoutingControl.READ)
        return [r.data() for r in records]

    async def run_compiled(self, cypher: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Runs generated segment Cypher (compiled from a validated definition)."""
        return await self._rows(cypher, params)

    async def run_single(self, cypher: str, params: Mapping[str, Any], write: bool = False
                         ) -> list[dict[str, Any]]:
        """One statement in an auto-commit transaction: RUN and PULL in one round trip, no
        BEGIN/COMMIT (the hot path after each ingest). The statement is idempotent (it
        applies only the changes it finds), so a transient failure such as a deadlock with
        a concurrent ingest is retried a few times."""
        mode = WRITE_ACCESS if write else READ_ACCESS
        for attempt in range(TRANSIENT_ATTEMPTS):
            try:
                async with self._driver.session(database=self._database,
                                                default_access_mode=mode) as session:
                    result = await session.run(cypher, dict(params))  # type: ignore[arg-type]
                    return await result.data()
            except TransientError:
                if attempt == TRANSIENT_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    async def run_batched(self, cypher: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A statement with `CALL ... IN TRANSACTIONS`, which needs an auto-commit
        transaction; each batch commits on its own."""
        async with self._driver.session(database=self._database,
                                        default_access_mode=WRITE_ACCESS) as session:
            result = await session.run(cypher, dict(params))  # type: ignore[arg-type]
            return await result.data()

    async def record_merged_exits(self, user_ids: list[str], now: datetime) -> int:
        rows = await self.run_single(queries["segments/record_merged_exits"],
                                     {"user_ids": user_ids, "now": now}, write=True)
        return int(rows[0]["exited"]) if rows else 0

    async def page(self, segment_id: str, after: str | None, limit: int) -> list[dict[str, Any]]:
        return await self._rows(queries["segments/list_members"],
                                {"segment_id": segment_id, "after": after, "limit": limit})

    async def count(self, segment_id: str) -> int | None:
        rows = await self._rows(queries["segments/count_members"], {"segment_id": segment_id})
        return int(rows[0]["size"]) if rows else None

    async def user_segments(self, user_id: str) -> list[dict[str, Any]] | None:
        rows = await self._rows(queries["segments/list_user_segments"], {"user_id": user_id})
        return rows[0]["segments"] if rows else None

    async def changes(self, segment_id: str, user_id: str | None, limit: int
                      ) -> list[dict[str, Any]]:
        return await self._rows(queries["segments/list_membership_changes"],
                                {"segment_id": segment_id, "user_id": user_id, "limit": limit})
