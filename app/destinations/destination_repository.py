"""Cypher access for destinations and the deliveries an operator reads or replays (the
delivery worker's own statements are in delivery_repository.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from app.db.database import Database
from app.db.queries import queries
from app.db.values import native
from app.destinations.schemas import EVERY
from app.segments.referrers import lock_live_segments, tx_rows


class DuplicateDestination(Exception):
    pass


class DestinationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def _write_naming_segments(self, statement: str, names: list[str],
                                     **params: Any) -> list[dict[str, Any]]:
        """The statement after locking the segments the subscription names; SegmentsGone,
        nothing written, when one is gone or being deleted (a DELETE cannot slip between)."""
        async def work(tx: AsyncManagedTransaction) -> list[dict[str, Any]]:
            await lock_live_segments(tx, [s for s in names if s != EVERY])
            return await tx_rows(tx, statement, **params)

        return await self._db.write_tx(work)

    async def create(self, **fields: Any) -> dict[str, Any]:
        try:
            found = await self._write_naming_segments("destinations/create_destination",
                                                      fields["segment_ids"], **fields)
        except ConstraintError:
            raise DuplicateDestination(fields["id"]) from None
        return native(found[0]["destination"])

    async def update(self, destination_id: str, changes: dict[str, Any], now: datetime
                     ) -> dict[str, Any] | None:
        found = await self._write_naming_segments(
            "destinations/update_destination", changes.get("segment_ids", []),
            id=destination_id, changes=changes, now=now)
        return native(found[0]["destination"]) if found else None

    async def get(self, destination_id: str) -> dict[str, Any] | None:
        rows = await self._db.read_named("destinations/get_destination", id=destination_id)
        return native(rows[0]["destination"]) if rows else None

    async def list_all(self) -> list[dict[str, Any]]:
        return [native(r["destination"])
                for r in await self._db.read_named("destinations/list_destinations")]

    async def counts(self, ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
        """Per destination: pending, retrying, dead, delivered, oldest_pending_s."""
        rows = await self._db.read_named("destinations/count_deliveries", ids=ids)
        delivered = await self._db.read_named("destinations/count_delivered", ids=ids)
        counts = {r["destination_id"]: r for r in rows}
        for r in delivered:
            counts.setdefault(r["destination_id"], {})["delivered"] = r["delivered"]
        return counts

    async def delete(self, destination_id: str) -> bool:
        if await self.get(destination_id) is None:
            return False
        await self._db.autocommit(queries["destinations/delete_deliveries"],
                                  {"id": destination_id})
        rows = await self._db.write_named("destinations/delete_destination", id=destination_id)
        return bool(rows and rows[0]["deleted"])

    async def existing_segments(self, ids: list[str]) -> set[str]:
        rows = await self._db.read_named("destinations/find_segments", ids=ids)
        return set(rows[0]["found"]) if rows else set()

    async def deliveries(self, destination_id: str, state: str | None, limit: int
                         ) -> list[dict[str, Any]]:
        rows = await self._db.read_named("destinations/list_deliveries", id=destination_id,
                                         state=state, limit=limit)
        return [native(r["delivery"]) for r in rows]

    async def replay(self, destination_id: str, states: list[str], from_: datetime,
                     to: datetime | None) -> int:
        rows = await self._db.write_named("destinations/replay_deliveries", id=destination_id,
                                          states=states, **{"from": from_}, to=to)
        return int(rows[0]["requeued"])
