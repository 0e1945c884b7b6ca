"""Cypher for event intake: one batch is one write transaction with a fixed number of
UNWIND statements, whatever the batch size."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from app.catalog.item_repository import upsert_items
from app.core.metrics import INTAKE_REPLANS
from app.db.database import Database
from app.db.queries import queries
from app.intake.aggregates import fresh_profile, rfm_params
from app.intake.batch_plan import Known, Plan
from app.intake.outbox import diff_traits, open_outbox
from app.intake.outbox import enqueue as enqueue_outbox

# A concurrent batch carrying the same new messageId or identity makes one of the two fail a
# uniqueness constraint, and one that changed the batch's profiles between its lookup and its
# locks makes the plan stale (StalePlan); re-running it sees the other's commit.
CONFLICT_RETRIES = 10


class StalePlan(Exception):
    """What the batch's lookup read changed before its locks were taken: the transaction is
    rolled back and the batch planned again."""


def check_locked(rows: list[list[Any]], expect_new: set[str]) -> None:
    """The profiles intake/lock_batch locked are the ones the lookup read: each under the id
    it was read with, and none the lookup found gone (created here again). One the lookup did
    not find may have been created meanwhile under the same id by a concurrent batch: the
    plan still holds for it (its new identities are checked by intake/bind_identities, and a
    default consent never overrides a recorded one, intake/record_consent)."""
    for lock_id, _, created, user_id in rows:
        if user_id != lock_id or (created and lock_id not in expect_new):
            raise StalePlan(f"profile {lock_id} changed since the lookup")


Planner = Callable[[Known], Plan]


async def lookup_known(tx: AsyncManagedTransaction, keys: list[dict[str, str]],
                       event_ids: list[str], receipt_ids: list[str],
                       hashes: list[str] | None = None) -> Known:
    result = await tx.run(queries["intake/lookup_batch"], keys=keys, ids=event_ids,
                          receipt_ids=receipt_ids, hashes=hashes or [])
    record = await result.single(strict=True)
    bound: dict[tuple[str, str], str] = {}
    consent: dict[str, dict[str, str]] = {}
    for r in record["bound"]:
        bound[(r["kind"], r["value"])] = r["user_id"]
        consent[r["user_id"]] = {c["purpose"]: c["status"] for c in r["consent"]
                                 if c["purpose"] is not None}
    return Known(bound, consent, set(record["existing"]), set(record["receipts"]),
                 set(record["erased"]))


async def _run(tx: AsyncManagedTransaction, name: str, **params: Any) -> None:
    result = await tx.run(queries[name], **params)
    await result.consume()


def _common_prefix(strings: list[str]) -> str:
    """The longest prefix all strings share (element ids of one database share most)."""
    if not strings:
        return ""
    first, last = min(strings), max(strings)
    n = 0
    while n < len(first) and first[n] == last[n]:
        n += 1
    return first[:n]


def _lock_row(user: dict[str, Any], lock_id: str, now: datetime) -> dict[str, Any]:
    """A profile for intake/lock_batch: its id now, and, for one the lookup did not find,
    its traits should it be created."""
    delta = user["delta"] if user["new"] else None
    return {"lock_id": lock_id,
            "fresh": fresh_profile(user["traits"], delta, now) if user["new"] else None,
            "first_ms": delta and delta["first_ms"], "last_ms": delta and delta["last_ms"],
            "last_order_ms": delta and delta["last_order_ms"]}


def _lock_only(lock_id: str) -> dict[str, Any]:
    """A profile the batch changes without writing its traits (merged away, renamed or given
    an identity only): locked like the others, never created."""
    return {"lock_id": lock_id, "fresh": None, "first_ms": None, "last_ms": None,
            "last_order_ms": None}


def _lock_rows(plan: Plan, now: datetime
               ) -> tuple[list[dict[str, Any]], dict[str, str], set[str]]:
    """The profiles intake/lock_batch locks, in id order (a renamed one under the id it is
    still stored under); each one's id after the batch (none for a merged-away one); those
    the lookup did not find."""
    renamed = {r["to"]: r["from"] for r in plan.renames}
    final = {renamed.get(u["user_id"], u["user_id"]): u["user_id"] for u in plan.users}
    rows = [_lock_row(u, lock_id, now) for lock_id, u in zip(final, plan.users, strict=True)]
    expect_new = {lock_id for lock_id, u in zip(final, plan.users, strict=True) if u["new"]}
    # Every other profile the batch writes is locked too, in the same order, so none changes
    # under it: merged-away profiles, and renamed or newly bound ones without traits to write
    # (their messages dropped).
    losers = {m["from"] for m in plan.merges}
    new_id = {old: to for to, old in renamed.items()}
    others = losers | set(new_id) | {renamed.get(b["user_id"], b["user_id"])
                                     for b in plan.binds}
    for lock_id in sorted(others - set(final)):
        rows.append(_lock_only(lock_id))
        if lock_id not in losers:
            final[lock_id] = new_id.get(lock_id, lock_id)
    rows.sort(key=lambda r: r["lock_id"])
    return rows, final, expect_new


def _sort(plan: Plan) -> None:
    """Every list in key order, so concurrent batches lock shared nodes in the same order."""
    plan.users.sort(key=lambda r: r["user_id"])
    plan.items.sort(key=lambda r: r["item_id"])
    plan.binds.sort(key=lambda r: (r["kind"], r["value"]))
    plan.events.sort(key=lambda r: (r["user_id"], r["props"]["event_id"]))


async def apply_plan(tx: AsyncManagedTransaction, plan: Plan, now: datetime) -> None:
    _sort(plan)
    users = plan.users
    # destinations subscribed to traits or events get their deliveries in this transaction
    outbox = await open_outbox(tx, any(u["traits"] for u in plan.users), bool(plan.events))
    # The profiles and items intake/lock_batch locked: later statements get their element
    # ids once ($eid_prefix, common to all, and the rest of each in $user_eids / $item_eids)
    # and reference them by index, which keeps the parameters small and finds the nodes
    # without another index seek.
    user_eids: list[str] = []
    item_eids: list[str] = []
    prefix = ""
    user_ix: dict[str, int] = {}  # final user_id -> index in user_eids
    item_ix: dict[str, int] = {}
    rows, final, expect_new = _lock_rows(plan, now)
    if rows or plan.items:
        result = await tx.run(queries["intake/lock_batch"], users=rows,
                              item_ids=[i["item_id"] for i in plan.items], now=now)
        record = await result.single(strict=True)
        check_locked(record["users"], expect_new)
        created = set()
        for lock_id, eid, is_new, _ in record["users"]:
            if lock_id not in final:
                continue  # merged away: found by id, and deleted, by intake/merge_users
            user_ix[final[lock_id]] = len(user_eids)
            user_eids.append(eid)
            if is_new:
                created.add(final[lock_id])
        for item_id, eid in record["items"]:
            item_ix[item_id] = len(item_eids)
            item_eids.append(eid)
        users = [{**u, "u": user_ix[u["user_id"]]} for u in plan.users
                 if u["user_id"] not in created]
        prefix = _common_prefix(user_eids + item_eids)
        user_eids = [e[len(prefix):] for e in user_eids]
        item_eids = [e[len(prefix):] for e in item_eids]
        if outbox is not None:  # before the traits are written
            await diff_traits(tx, outbox, plan.users, user_ix, created, user_eids, prefix)
    if plan.renames:
        await _run(tx, "intake/rename_users", renames=plan.renames)
    if users:
        await _run(tx, "intake/upsert_users", users=users, user_eids=user_eids, eid_prefix=prefix,
                   now=now, **rfm_params())
    for merge in plan.merges:
        await _run(tx, "intake/merge_users", **{k: merge[k] for k in
                   ("from", "to", "merge_id", "at", "via", "reason")})
    if plan.binds:
        by_eid = [{"u": user_ix[b["user_id"]], "kind": b["kind"], "value": b["value"],
                   "sealed": b["sealed"]} for b in plan.binds]  # every one locked
        result = await tx.run(queries["intake/bind_identities"], by_eid=by_eid,
                              user_eids=user_eids, eid_prefix=prefix)
        record = await result.single(strict=True)
        if record["conflicts"]:
            raise StalePlan(f"identities bound since the lookup: {record['conflicts'][:3]}")
    if plan.consent:
        await _run(tx, "intake/record_consent", purposes=_consent_groups(plan, user_ix),
                   user_eids=user_eids, eid_prefix=prefix)
    if plan.items:
        await upsert_items(tx, plan.items, now)
    if plan.events:
        events = plan.events
        for ev in events:  # in place: a batch holds thousands of these
            ev["u"] = user_ix[ev.pop("user_id")]
            for line in ev["lines"]:
                line["i"] = item_ix[line.pop("item_id")]
        await _run(tx, "intake/create_events", events=events, user_eids=user_eids,
                   item_eids=item_eids, eid_prefix=prefix, received_at=now)
    if plan.merges:
        await _run(tx, "users/refresh_rfm", user_ids=sorted({m["to"] for m in plan.merges}),
                   now=now, rfm=rfm_params()["rfm"])
    if plan.receipts:
        await _run(tx, "intake/record_receipts", ids=plan.receipts, now=now)
    if outbox is not None:
        await enqueue_outbox(tx, outbox, plan.events, user_ix, user_eids, prefix, now)
    # Recorded whether or not a segment exists yet: a segment saved while this batch is in
    # flight may have been materialized before this commit, and the drain that applies this
    # work evaluates the segments that exist by then.
    marks = membership_marks(plan, user_ix)
    plan.membership_work = bool(marks)
    if marks:
        # the last statement before the commit: the membership lag is measured from here
        await _run(tx, "intake/mark_membership_work", marks=marks, user_eids=user_eids,
                   eid_prefix=prefix, now=now, marked_at=datetime.now(UTC))


def membership_marks(plan: Plan, user_ix: dict[str, int]) -> list[dict[str, Any]]:
    """The membership work a batch leaves on its profiles (final ids, in id order): the
    types each received, and for a renamed or merged profile every type ('*') and the ids it
    had before."""
    types = {u: set(t) for u, t in plan.types_by_user.items()}
    renamed: dict[str, list[str]] = {}
    for old, new in sorted(plan.merged.items()):
        types.setdefault(new, set()).add("*")
        renamed.setdefault(new, []).append(old)
    return [{"u": user_ix.get(u), "user_id": u, "types": sorted(t),
             "renamed": renamed.get(u, [])} for u, t in sorted(types.items())]


def _consent_groups(plan: Plan, user_ix: dict[str, int]) -> list[dict[str, Any]]:
    """plan.consent (in (purpose, user_id) order, message order within) grouped by purpose;
    the last change of each user is flagged: it is the user's current state. The rows are
    rewritten in place (a batch of new profiles holds thousands)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for c in plan.consent:
        purpose, user_id = c.pop("purpose"), c.pop("user_id")
        c["u"] = user_ix[user_id]
        c["last"] = False
        groups.setdefault(purpose, []).append(c)
        last[(purpose, user_id)] = c
    for row in last.values():
        row["last"] = True
    return [{"purpose": purpose, "changes": rows} for purpose, rows in groups.items()]


class IntakeRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def write_batch(self, keys: list[dict[str, str]], event_ids: list[str],
                          receipt_ids: list[str], planner: Planner, now: datetime,
                          hashes: list[str] | None = None) -> Plan:
        """`hashes`: the identity hashes of the batch's messages, checked against the
        suppression list (ErasedIdentity) in this transaction."""
        async def work(tx: AsyncManagedTransaction) -> Plan:
            known = await lookup_known(tx, keys, event_ids, receipt_ids, hashes)
            plan = planner(known)
            await apply_plan(tx, plan, now)
            return plan

        for attempt in range(CONFLICT_RETRIES):
            try:
                return await self._db.write_tx(work)
            except (ConstraintError, StalePlan) as exc:
                INTAKE_REPLANS.labels("stale" if isinstance(exc, StalePlan)
                                      else "constraint").inc()
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                # let the batch that moved first commit before looking again
                await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))
        raise AssertionError("unreachable")
