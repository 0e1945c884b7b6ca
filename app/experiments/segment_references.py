"""Draft and running experiments whose audience is a segment: it cannot be deleted while
they could still enrol shoppers by it (app/segments/referrers.py)."""

from __future__ import annotations

import orjson
from neo4j import AsyncManagedTransaction

from app.segments.referrers import Referrer, tx_rows


async def experiments_naming(tx: AsyncManagedTransaction, segment_id: str) -> list[Referrer]:
    return [Referrer("experiment", row["experiment_id"],
                     f"{row['status']}, audience /audience/segment_id")
            for row in await tx_rows(tx, "experiments/list_experiments_naming_segment",
                                  segment_id=segment_id)
            if (orjson.loads(row["definition"]).get("audience") or {}).get("segment_id")
            == segment_id]
