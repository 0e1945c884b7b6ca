"""Retention of message receipts: the messageIds of identify, alias and group messages kept
so a replay counts them as duplicates (cypher/intake/record_receipts.cypher).

Events never need this (an event's id is its node's key, kept as long as the event); the
receipts would otherwise grow with every identify forever. Like Segment's deduplication
window, a replay within the retention period is a duplicate; one older than it is applied
again (identify and alias are idempotent; traits take the replayed values). Pruning runs in
the serving process, in batches; a failed pass is counted and the next one retries (the
receipts simply stay a little longer).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from app.core.metrics import RECEIPT_PRUNE_FAILURES, RECEIPTS_PRUNED
from app.db.database import Database

log = logging.getLogger("profilegraph.intake.receipts")
PRUNE_BATCH = 5000


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ReceiptRetention:
    def __init__(self, db: Database, retention_days: int,
                 clock: Callable[[], datetime] = _utcnow, batch: int = PRUNE_BATCH) -> None:
        self._db = db
        self._retention = timedelta(days=retention_days)
        self._clock = clock
        self._batch = batch

    async def prune(self) -> int:
        """Deletes every receipt older than the retention period; returns how many."""
        before = self._clock() - self._retention
        total = 0
        while True:
            [row] = await self._db.write_named("intake/prune_receipts", before=before,
                                               limit=self._batch)
            RECEIPTS_PRUNED.inc(row["deleted"])
            total += row["deleted"]
            if row["deleted"] < self._batch:
                return total

    async def run(self, interval_s: float) -> None:
        """Prunes every `interval_s` until cancelled."""
        while True:
            try:
                pruned = await self.prune()
                if pruned:
                    log.info("pruned %d message receipts", pruned)
            except Exception:  # counted; the receipts stay until the next pass
                RECEIPT_PRUNE_FAILURES.inc()
                log.exception("message receipt pruning failed")
            await asyncio.sleep(interval_s)
