"""Deleting a segment at any size: a short marking transaction, then bounded transactions.

A busy segment can hold millions of membership-history records; deleting them in one
transaction exceeds Neo4j's transaction memory. The first transaction takes the segment out
of every list, the dependency index and evaluation (`deleting_at`); the records, then the
memberships, then the versions, go in transactions of `batch` records; the node goes last.
A request works for at most its budget and answers with the progress; what is left is
resumed by the housekeeping job of any process (app/segments/history_retention.py), since
the mark is in the graph. The marking transaction first locks the segment and asks who
else names it (app/segments/referrers.py): one that is named is not marked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from app.core.metrics import SEGMENT_DELETION_RECORDS
from app.db.database import Database
from app.segments.referrers import ReferenceFinder, SegmentInUse, tx_rows

# Each membership deleted takes its profile's lock, which intake waits for: fewer per
# transaction than history records.
MEMBER_BATCH = 1000


@dataclass
class DeletionProgress:
    segment_id: str
    done: bool = False
    deleted: dict[str, int] = field(default_factory=lambda: {
        "membership_changes": 0, "members": 0, "versions": 0})
    remaining: dict[str, int] = field(default_factory=dict)
    transactions: int = 0

    def as_body(self) -> dict[str, Any]:
        return {"segment_id": self.segment_id,
                "status": "deleted" if self.done else "deleting",
                "deleted": self.deleted, "remaining": self.remaining,
                "transactions": self.transactions}


class SegmentDeleter:
    def __init__(self, db: Database, batch: int,
                 finders: list[ReferenceFinder] | None = None) -> None:
        self._db = db
        self._batch = batch
        self._finders = list(finders or [])

    async def mark(self, segment_id: str) -> bool:
        """Starts (or finds started) the deletion; False when there is no such segment.
        Raises SegmentInUse, marking nothing, when a placement, experiment or destination
        names the live segment (checked under the segment's lock, in the same transaction)."""
        async def work(tx: AsyncManagedTransaction) -> bool:
            if not await tx_rows(tx, "segments/lock_segment", segment_id=segment_id):
                return False
            [state] = await tx_rows(tx, "segments/get_segment_state", segment_id=segment_id)
            if state["live"]:  # one being deleted already is resumed, not checked again
                found = [r for find in self._finders for r in await find(tx, segment_id)]
                if found:
                    raise SegmentInUse(segment_id, found)
            return bool(await tx_rows(tx, "segments/mark_segment_deleting",
                                   segment_id=segment_id, now=datetime.now(UTC)))

        return await self._db.write_tx(work)

    async def work(self, segment_id: str, budget_s: float | None) -> DeletionProgress:
        """Deletes in bounded transactions until the segment is gone or `budget_s` has passed
        (None: until gone)."""
        progress = DeletionProgress(segment_id)
        deadline = None if budget_s is None else time.monotonic() + budget_s
        while True:
            rows = await self._db.write_named(
                "segments/delete_segment_batch", segment_id=segment_id, limit=self._batch,
                member_limit=min(self._batch, MEMBER_BATCH))
            if not rows:  # gone already (another process finished it)
                progress.done = True
                progress.remaining = {"membership_changes": 0, "members": 0, "versions": 0}
                return progress
            row = rows[0]
            progress.transactions += 1
            for key, column in (("membership_changes", "changes"), ("members", "members"),
                                ("versions", "versions")):
                progress.deleted[key] += row[column]
                SEGMENT_DELETION_RECORDS.labels(key).inc(row[column])
            progress.remaining = {"membership_changes": row["changes_left"],
                                  "members": row["members_left"],
                                  "versions": row["versions_left"]}
            if row["gone"]:
                progress.done = True
                return progress
            if deadline is not None and time.monotonic() >= deadline:
                return progress

    async def pending(self) -> list[str]:
        return [r["segment_id"] for r in
                await self._db.read_named("segments/list_deleting_segments")]
