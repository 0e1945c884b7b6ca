"""Cypher for the item catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from app.db.database import Database
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
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(self, rows: list[dict[str, Any]], now: datetime) -> None:
        async def work(tx: AsyncManagedTransaction) -> None:
            await upsert_items(tx, rows, now)

        await self._db.write_tx(work)

    async def record_non_products(self, rows: list[dict[str, Any]], now: datetime) -> int:
        """Items of these non-product codes (rows of item_id, title), labelled :NonProduct
        (created if new); returns how many existing Items were not labelled yet."""
        if not rows:
            return 0
        rows = sorted(rows, key=lambda r: r["item_id"])
        result = await self._db.write(queries["items/record_non_products"],
                                      {"items": rows, "now": now})
        return int(result[0]["flagged"]) if result else 0

    async def get(self, item_id: str) -> dict[str, Any] | None:
        rows = await self._db.read(queries["items/get_item"], {"item_id": item_id})
        return native(rows[0]["item"]) if rows else None
