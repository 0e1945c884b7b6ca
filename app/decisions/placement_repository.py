"""Cypher access for placements and the one read behind a decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from app.db.database import Database
from app.db.queries import queries
from app.segments.identifiers import COMPUTED_TRAITS
from app.segments.referrers import lock_live_segments, tx_rows

COMPUTED = sorted(COMPUTED_TRAITS)


@dataclass(frozen=True)
class FactsRow:
    """The decision read's one row."""

    version: int | None  # the placement's current version; None: no such placement
    definition: str | None
    pinned: dict[int, str]  # version -> definition, for the versions asked for
    user_id: str | None  # None: no profile for the id
    allowed: bool  # personalization consent allows using the profile
    properties: dict[str, Any]
    segments: frozenset[str]
    granted: frozenset[str]
    context_category: str | None
    assigned: str | None  # variant recorded for the running experiment


class PlacementRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, placement_id: str, name: str, definition: str, now: datetime,
                   segment_ids: list[str]) -> int:
        """The new version. Locks the segments the rules name first and raises SegmentsGone,
        saving nothing, when one is gone or being deleted (a DELETE cannot slip between)."""
        async def work(tx: AsyncManagedTransaction) -> int:
            await lock_live_segments(tx, segment_ids)
            [row] = await tx_rows(tx, "decisions/save_placement", placement_id=placement_id,
                               name=name, definition=definition, now=now)
            return int(row["version"])

        return await self._db.write_tx(work)

    async def get(self, placement_id: str) -> dict[str, Any] | None:
        rows = await self._db.read_named("decisions/get_placement", placement_id=placement_id)
        return rows[0] if rows else None

    async def get_version(self, placement_id: str, version: int) -> dict[str, Any] | None:
        rows = await self._db.read_named("decisions/get_placement_version",
                                         placement_id=placement_id, version=version)
        return rows[0] if rows else None

    async def list_all(self) -> list[dict[str, Any]]:
        return await self._db.read_named("decisions/list_placements")

    async def delete(self, placement_id: str) -> bool:
        rows = await self._db.write_named("decisions/delete_placement",
                                          placement_id=placement_id)
        return bool(rows and rows[0]["deleted"])

    async def known_segments(self, segment_ids: list[str]) -> set[str]:
        rows = await self._db.read_named("decisions/list_known_segments",
                                         segment_ids=segment_ids)
        return set(rows[0]["known"]) if rows else set()

    async def facts(self, *, placement_id: str | None, versions: list[int], id_: str,
                    opt_out: bool, context_item: str | None,
                    experiment_id: str | None) -> FactsRow:
        """On the serving path: one auto-commit read, one round trip."""
        records = await self._db.fast_read(queries["decisions/get_decision_facts"], {
            "placement_id": placement_id, "versions": versions, "id": id_,
            "opt_out": opt_out, "computed": COMPUTED, "context_item": context_item,
            "experiment_id": experiment_id})
        r = records[0]
        return FactsRow(
            version=r["version"], definition=r["definition"],
            pinned={int(v): d for v, d in r["pinned"] if v is not None},
            user_id=r["user_id"], allowed=bool(r["allowed"]),
            properties=dict(r["properties"] or ()), segments=frozenset(r["segments"]),
            granted=frozenset(r["granted"]), context_category=r["context_category"],
            assigned=r["assigned"])
