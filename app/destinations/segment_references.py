"""Destinations subscribed to a segment by id: it cannot be deleted under them, which would
leave a subscription to nothing (app/segments/referrers.py). A `"*"` subscription names no
one segment and does not hold any."""

from __future__ import annotations

from neo4j import AsyncManagedTransaction

from app.segments.referrers import Referrer, tx_rows


async def destinations_naming(tx: AsyncManagedTransaction, segment_id: str) -> list[Referrer]:
    return [Referrer("destination", row["destination_id"],
                     f"subscription /subscriptions/segments/ids/"
                     f"{row['segment_ids'].index(segment_id)}")
            for row in await tx_rows(tx, "destinations/list_destinations_naming_segment",
                                  segment_id=segment_id)]
