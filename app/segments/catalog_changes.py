"""Catalog changes reach segment membership: the rule for item fields.

A segment's item filters (`category`, `price`, `brand`, `title`: "viewed a Kitchen item")
test the item's current catalog attributes, the way a full refresh evaluates them; filters on
event properties (`p_<key>`) test the values the event carried, as sent, which never change.
So when an item's attributes change (the catalog API, or an event carrying new product
details), the shoppers with events on it may enter or leave such segments.

The write that changed the item marks it `:CatalogChanged` in its own transaction (cheap, the
item is locked already: cypher/items/). This job, in every serving process, expands each
mark into membership work on the item's shoppers, in transactions of `batch` profiles
(type `catalog`: the drain re-evaluates only the segments whose rules test item fields), and
clears the mark unless the item changed again meanwhile. Marks are in the graph, so a crash
or another process resumes them; with no segment testing item fields they are just cleared.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from app.core.metrics import CATALOG_CHANGE_FAILURES, CATALOG_CHANGE_USERS
from app.db.database import Database

log = logging.getLogger("profilegraph.segments.catalog")
ITEMS_PER_PASS = 50
USERS_PER_TX = 1000
INTERVAL_S = 1.0


class CatalogChanges:
    def __init__(self, db: Database, batch: int = USERS_PER_TX) -> None:
        self._db = db
        self._batch = batch

    async def expand(self) -> int:
        """Records the membership work of the items marked changed; how many items."""
        items = await self._db.read_named("segments/list_catalog_changes",
                                          limit=ITEMS_PER_PASS)
        if not items:
            return 0
        [row] = await self._db.read_named("segments/count_catalog_segments")
        for item in items:
            if row["n"]:  # else no rule reads item fields: nothing to re-evaluate
                shoppers = [r["user_id"] for r in await self._db.read_named(
                    "segments/list_item_shoppers", item_id=item["item_id"])]
                for start in range(0, len(shoppers), self._batch):
                    now = datetime.now(UTC)
                    [done] = await self._db.write_named(
                        "segments/mark_catalog_work",
                        user_ids=shoppers[start:start + self._batch], now=now, marked_at=now)
                    CATALOG_CHANGE_USERS.inc(done["marked"])
            await self._db.write_named("segments/finish_catalog_change",
                                       item_id=item["item_id"], seq=item["seq"])
        return len(items)

    async def run(self, interval_s: float = INTERVAL_S) -> None:
        """Expands catalog changes every `interval_s` until cancelled."""
        while True:
            try:
                while await self.expand():
                    pass
            except Exception:  # counted; the marks stay and the next pass retries
                CATALOG_CHANGE_FAILURES.inc()
                log.exception("catalog change expansion failed")
            await asyncio.sleep(interval_s)
