"""Cypher for the item catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neo4j import AsyncDriver, RoutingControl

from app.db.queries import queries
from app.repositories.user_repository import native


class ItemRepository:
    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self._driver = driver
        self._database = database

    async def upsert(self, rows: list[dict[str, Any]], now: datetime) -> None:
        await self._driver.execute_query(queries["items/upsert_items"], items=rows, now=now,
                                         database_=self._database)

    async def get(self, item_id: str) -> dict[str, Any] | None:
        records, _, _ = await self._driver.execute_query(
            queries["items/get_item"], item_id=item_id, routing_=RoutingControl.READ,
            database_=self._database)
        return native(records[0]["item"]) if records else None
