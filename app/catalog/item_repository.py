"""Cypher for the item catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neo4j import AsyncDriver, AsyncManagedTransaction, RoutingControl

from app.db.queries import queries
from app.db.values import native


async def upsert_items(tx: AsyncManagedTransaction, rows: list[dict[str, Any]],
                       now: datetime) -> None:
    """Items (rows of item_id, props, category) in id order, then their categories in
    category order: shared nodes are always locked in one global order."""
    rows = sorted(rows, key=lambda r: r["item_id"])
    result = await tx.run(queries["items/upsert_items"], items=rows, now=now)
    linked = sorted([r.data() async for r in result],
                    key=lambda r: (r["category"], r["item_id"]))
    if linked:
        await (await tx.run(queries["items/link_categories"], items=linked, now=now)).consume()


class ItemRepository:
    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self._driver = driver
        self._database = database

    async def upsert(self, rows: list[dict[str, Any]], now: datetime) -> None:
        async def work(tx: AsyncManagedTransaction) -> None:
            await upsert_items(tx, rows, now)

        async with self._driver.session(database=self._database) as session:
            await session.execute_write(work)

    async def get(self, item_id: str) -> dict[str, Any] | None:
        records, _, _ = await self._driver.execute_query(
            queries["items/get_item"], item_id=item_id, routing_=RoutingControl.READ,
            database_=self._database)
        return native(records[0]["item"]) if records else None
