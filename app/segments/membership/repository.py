"""Cypher access for materialized segment membership and its history."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from neo4j import AsyncManagedTransaction

from app.db.database import Database
from app.db.queries import queries

T = TypeVar("T")


async def tx_rows(tx: AsyncManagedTransaction, cypher: str, params: Mapping[str, Any]
                  ) -> list[dict[str, Any]]:
    """One statement inside a membership transaction: a fixed one from cypher/ or generated
    segment Cypher (compiled from validated definitions)."""
    result = await tx.run(cypher, dict(params))  # type: ignore[arg-type]
    return await result.data()


class MembershipRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def run_compiled(self, cypher: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Runs generated segment Cypher (compiled from a validated definition)."""
        return await self._db.generated_read(cypher, params)

    async def in_write_tx(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        """Several membership statements in one managed transaction, retried as a whole."""
        return await self._db.write_tx(work)

    async def in_read_tx(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        """Several reading statements in one managed transaction, retried as a whole."""
        return await self._db.read_tx(work)

    async def work_gauges(self) -> dict[str, Any]:
        rows = await self._db.read_named("segments/count_membership_work")
        return rows[0]

    async def defer_oldest_work(self, now: datetime, retry_at: datetime) -> str | None:
        rows = await self._db.write(queries["segments/defer_membership_work"],
                                    {"now": now, "retry_at": retry_at})
        return rows[0]["user_id"] if rows else None

    async def resolve_user(self, id_: str) -> str | None:
        """The profile an id names now (the rule every route taking a user id follows)."""
        rows = await self._db.read_named("users/resolve_user", id=id_)
        return rows[0]["user_id"] if rows else None

    async def run_batched(self, cypher: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A statement with `CALL ... IN TRANSACTIONS`, which needs an auto-commit
        transaction; each batch commits on its own, and the statement is idempotent."""
        return await self._db.autocommit(cypher, params)


    async def page(self, segment_id: str, after: str | None, limit: int) -> list[dict[str, Any]]:
        return await self._db.read_named("segments/list_members", segment_id=segment_id,
                                         after=after, limit=limit)

    async def count(self, segment_id: str) -> int | None:
        rows = await self._db.read_named("segments/count_members", segment_id=segment_id)
        return int(rows[0]["size"]) if rows else None

    async def user_segments(self, user_id: str) -> list[dict[str, Any]] | None:
        rows = await self._db.read_named("segments/list_user_segments", user_id=user_id)
        return rows[0]["segments"] if rows else None

    async def changes(self, segment_id: str, user_id: str | None, limit: int,
                      after: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """`after`: (at, user_id, record id) of the last record of the previous page."""
        at, user, record = after or (None, None, None)
        return await self._db.read_named("segments/list_membership_changes", segment_id=segment_id,
                                         user_id=user_id, limit=limit, after_at=at,
                                         after_user=user, after_id=record)
