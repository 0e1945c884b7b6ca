"""Cypher access for the delivery worker: claim (with a lease), finish, breaker, pruning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from app.db.database import Database
from app.db.queries import queries
from app.db.values import native

SCAN_PER_PROFILE = 4  # the claim reads at most this many due deliveries per profile it takes


@dataclass
class Claim:
    destination: dict[str, Any]
    deliveries: list[dict[str, Any]]
    breaker_open: bool


@dataclass
class Outcome:
    delivery_id: str
    ok: bool
    status: int | None = None
    error: str | None = None
    delay_ms: int = 0


async def _rows(tx: AsyncManagedTransaction, name: str, **params: Any) -> list[dict[str, Any]]:
    result = await tx.run(queries[name], **params)
    return await result.data()


class DeliveryRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def active_destinations(self) -> list[dict[str, Any]]:
        rows = await self._db.read_named("destinations/list_destinations")
        return [native(r["destination"]) for r in rows if r["destination"].get("active")]

    async def claim(self, destination_id: str, owner: str, *, profiles: int, per_profile: int,
                    lease_ms: int, probe_after: int) -> Claim | None:
        """Lease the deliveries to send now; None when none is due, or the destination is
        gone or paused.
        While the breaker is open nothing is claimed; once its time is up and the failures
        are still at `probe_after`, one delivery probes the target (half-open)."""

        if not await self._db.read_named("destinations/find_due_delivery", id=destination_id):
            return None

        async def work(tx: AsyncManagedTransaction) -> Claim | None:
            locked = await _rows(tx, "destinations/lock_destination", id=destination_id)
            if not locked or not locked[0]["destination"].get("active"):
                return None
            destination = native(locked[0]["destination"])
            if locked[0]["breaker_open"]:
                return Claim(destination, [], True)
            half_open = int(destination.get("failures") or 0) >= probe_after
            rows = await _rows(tx, "destinations/claim_deliveries", id=destination_id,
                               owner=owner, lease_ms=lease_ms,
                               profiles=1 if half_open else profiles,
                               scan=SCAN_PER_PROFILE * (1 if half_open else profiles),
                               per_profile=1 if half_open else per_profile)
            return Claim(destination, [native(r["delivery"]) for r in rows], False)

        return await self._db.write_tx(work)

    async def finish(self, destination_id: str, owner: str, outcomes: list[Outcome],
                     released: list[str], max_attempts: int, breaker: dict[str, int],
                     eids: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Record a claim's sends, release what was not sent and move the breaker, in one
        transaction. `eids`: the claimed deliveries' element ids by delivery id (as the
        claim returned them). Returns the finished deliveries (id, state, created_ms) and
        the breaker's state (failures, breaker_open)."""
        results = [{"id": o.delivery_id, "eid": eids.get(o.delivery_id), "ok": o.ok,
                    "status": o.status, "error": o.error, "delay_ms": o.delay_ms}
                   for o in outcomes]
        back = [{"id": i, "eid": eids.get(i)} for i in released]
        succeeded = sum(o.ok for o in outcomes)

        async def work(tx: AsyncManagedTransaction
                       ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
            done = await _rows(tx, "destinations/finish_deliveries", results=results,
                               owner=owner, max_attempts=max_attempts)
            if released:
                await _rows(tx, "destinations/release_deliveries", released=back, owner=owner)
            state = await _rows(tx, "destinations/record_breaker", id=destination_id,
                                succeeded=succeeded, failed=len(outcomes) - succeeded,
                                **breaker)
            return [native(r) for r in done], (state[0] if state else {})

        return await self._db.write_tx(work)

    async def counts(self) -> list[dict[str, Any]]:
        return await self._db.read_named("destinations/count_deliveries", ids=None)

    async def prune(self, before: datetime) -> int:
        rows = await self._db.autocommit(queries["destinations/prune_deliveries"],
                                         {"before": before})
        return int(rows[0]["pruned"]) if rows else 0
