"""Cypher for event intake: one batch is one write transaction with a fixed number of
UNWIND statements, whatever the batch size."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from neo4j import AsyncDriver, AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from app.db.queries import queries
from app.repositories.item_repository import upsert_items
from app.services.intake.aggregates import rfm_params
from app.services.intake.batch_plan import Known, Plan

# A concurrent batch carrying the same new messageId or identity makes one of the two fail a
# uniqueness constraint; re-running it sees the other's commit and counts duplicates.
CONFLICT_RETRIES = 3

Planner = Callable[[Known], Plan]


async def lookup_known(tx: AsyncManagedTransaction, keys: list[dict[str, str]],
                       event_ids: list[str]) -> Known:
    result = await tx.run(queries["intake/lookup_batch"], keys=keys, ids=event_ids)
    record = await result.single(strict=True)
    bound: dict[tuple[str, str], str] = {}
    consent: dict[str, dict[str, str]] = {}
    for r in record["bound"]:
        bound[(r["kind"], r["value"])] = r["user_id"]
        consent[r["user_id"]] = {c["purpose"]: c["status"] for c in r["consent"]
                                 if c["purpose"] is not None}
    return Known(bound, consent, set(record["existing"]))


async def _run(tx: AsyncManagedTransaction, name: str, **params: Any) -> None:
    result = await tx.run(queries[name], **params)
    await result.consume()


def _sort(plan: Plan) -> None:
    """Every list in key order, so concurrent batches lock shared nodes in the same order."""
    plan.users.sort(key=lambda r: r["user_id"])
    plan.items.sort(key=lambda r: r["item_id"])
    plan.binds.sort(key=lambda r: (r["kind"], r["value"]))
    plan.events.sort(key=lambda r: (r["user_id"], r["props"]["event_id"]))


async def apply_plan(tx: AsyncManagedTransaction, plan: Plan, now: datetime) -> None:
    _sort(plan)
    if plan.users or plan.items:
        # A renamed profile is still stored under its old id at this point.
        renamed = {r["to"]: r["from"] for r in plan.renames}
        await _run(tx, "intake/lock_batch",
                   user_ids=sorted(renamed.get(u["user_id"], u["user_id"]) for u in plan.users),
                   item_ids=[i["item_id"] for i in plan.items], now=now)
    if plan.renames:
        await _run(tx, "intake/rename_users", renames=plan.renames)
    if plan.users:
        await _run(tx, "intake/upsert_users", users=plan.users, now=now, **rfm_params())
    for merge in plan.merges:
        await _run(tx, "intake/merge_users", **{k: merge[k] for k in
                   ("from", "to", "merge_id", "at", "via", "reason")})
    if plan.binds:
        await _run(tx, "intake/bind_identities", binds=plan.binds)
    if plan.consent:
        await _run(tx, "intake/record_consent", changes=plan.consent)
    if plan.items:
        await upsert_items(tx, plan.items, now)
    if plan.events:
        await _run(tx, "intake/create_events", events=plan.events, received_at=now)
    if plan.merges:
        await _run(tx, "users/refresh_rfm", user_ids=sorted({m["to"] for m in plan.merges}),
                   now=now, rfm=rfm_params()["rfm"])


class IntakeRepository:
    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self._driver = driver
        self._database = database

    async def write_batch(self, keys: list[dict[str, str]], event_ids: list[str],
                          planner: Planner, now: datetime) -> Plan:
        async def work(tx: AsyncManagedTransaction) -> Plan:
            known = await lookup_known(tx, keys, event_ids)
            plan = planner(known)
            await apply_plan(tx, plan, now)
            return plan

        for attempt in range(CONFLICT_RETRIES):
            try:
                async with self._driver.session(database=self._database) as session:
                    return await session.execute_write(work)
            except ConstraintError:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")
