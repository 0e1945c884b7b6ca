"""Who refers to a segment outside the segments themselves: placements' rules, experiments'
audiences, destinations' subscriptions. A segment they name cannot be deleted (it would
silently never match, or leave a subscription to nothing).

Both sides lock the segment node in the graph, so the check and the change it guards are one
step: a DELETE write-locks the segment, then asks each feature's finder, in the same
transaction, who names it; a save write-locks the segments it names, then checks they are
live, in the same transaction as the save. Whichever commits first, the other sees it.
The finders live with their features (app/*/segment_references.py) and are handed to the
deleter by the composition root.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from neo4j import AsyncManagedTransaction

from app.core.errors import ApiError
from app.db.queries import queries


@dataclass(frozen=True)
class Referrer:
    kind: str  # "placement", "experiment", "destination"
    id: str
    where: str  # what in it names the segment: a rule, the audience, a subscription

    def reason(self) -> str:
        return f"referred to by {self.kind} {self.id} ({self.where})"


# (transaction, segment id) -> who names it, read inside the DELETE's transaction.
ReferenceFinder = Callable[[AsyncManagedTransaction, str], Awaitable[list[Referrer]]]


class SegmentInUse(Exception):
    def __init__(self, segment_id: str, referrers: list[Referrer]) -> None:
        super().__init__(segment_id)
        self.segment_id = segment_id
        self.referrers = referrers

    def api_error(self) -> ApiError:
        """The 409 of a segment other segments refer to, naming these referrers."""
        names = ", ".join(f"{r.kind} {r.id}" for r in self.referrers)
        verb = "refers" if len(self.referrers) == 1 else "refer"
        return ApiError(409, "segment_in_use", f"{names} {verb} to {self.segment_id!r}",
                        [{"field": "segment_id", "reason": r.reason()} for r in self.referrers])


class SegmentsGone(Exception):
    """A save named segments that do not exist or are being deleted (found under lock)."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


async def tx_rows(tx: AsyncManagedTransaction, statement: str, **params: object
               ) -> list[dict]:
    return await (await tx.run(queries[statement], params)).data()


async def lock_live_segments(tx: AsyncManagedTransaction, segment_ids: list[str]) -> None:
    """Write-locks the segments a save names, then raises SegmentsGone for any that is not
    live. Call it first in the save's transaction."""
    ids = sorted(set(segment_ids))  # one lock order everywhere: no deadlock between saves
    if not ids:
        return
    await tx_rows(tx, "segments/lock_segments", segment_ids=ids)
    [row] = await tx_rows(tx, "segments/list_live_segments", segment_ids=ids)
    missing = sorted(set(ids) - set(row["live"]))
    if missing:
        raise SegmentsGone(missing)
