"""Draining the membership work intake records on profiles: evaluate first, lock only to apply.

The segment statements are the costly part of a drain (they walk a shopper's events), so they
run before any profile is locked: `evaluate` reads the oldest pending work and computes the
entries and exits without writing, one read transaction per affected segment, several at
once (they are independent: none reads what another computes, and each sees what is
committed, as statements of one read transaction would), so Neo4j runs them on several
threads and the drain's wall time under load is closer to its slowest statement than to
their sum. `apply` then, in one short write transaction, locks the
profiles in user_id order (the order intake locks them in) and applies the result to the
profiles whose `membership_seq` is still the one read. A profile on which a batch recorded
more work in between is evaluated again there, under its lock, with the work as it is now
(so a profile busy with traffic is never starved, and no work is left behind).

A segment that refers to another reads its membership: where, for a user, a referenced
segment's membership changes in this drain, the referring segment is evaluated again in the
write transaction, after that change is applied (the rest keep the read-phase result). When
the segments themselves changed between the two phases, the write transaction evaluates all
the work in full (app/segments/membership/changes.py), as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from app.db.queries import queries
from app.segments.evaluation import segment_update, update_params
from app.segments.loaded import CompileCache
from app.segments.membership.changes import (
    IncrementalResult,
    SegmentPlan,
    apply_changes,
    keys_of,
    plan_segments,
)
from app.segments.membership.repository import MembershipRepository, tx_rows

Hook = Callable[[], Awaitable[None]]


@dataclass
class Evaluation:
    """What a drain read and computed before taking any lock, at `now` (its clock)."""
    work: list[dict[str, Any]]
    now: datetime
    index: list[dict[str, Any]] = field(default_factory=list)
    plan: SegmentPlan | None = None
    changes: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # per segment
    seconds: float = 0.0  # its wall time


def _versions(index: list[dict[str, Any]]) -> set[tuple[str, int]]:
    return {(r["segment_id"], r["version"]) for r in index}


def _user_keys(work: list[dict[str, Any]]) -> dict[str, set[str] | None]:
    keys = {r["user_id"]: keys_of(r["types"]) for r in work}
    return {u: k for u, k in keys.items() if k is None or k}


def _renamed(work: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {r["user_id"]: list(r["renamed"]) for r in work if r["renamed"]}


async def evaluate(members: MembershipRepository, cache: CompileCache, limit: int,
                   now: datetime, concurrency: int, exclude: Collection[str] = ()
                   ) -> Evaluation:
    """Read the oldest pending work (no locks), but for the profiles in `exclude` (those a
    drain in progress applies), and compute its entries and exits, at most `concurrency`
    segment statements at a time."""

    async def read(tx: AsyncManagedTransaction) -> tuple[list[dict], list[dict]]:
        work = await tx_rows(tx, queries["segments/read_membership_work"],
                             {"limit": limit, "now": now, "exclude": list(exclude)})
        index = await tx_rows(tx, queries["segments/list_segment_index"], {}) if work else []
        return work, index

    work, index = await members.in_read_tx(read)
    if not work:
        return Evaluation(work, now)
    plan = plan_segments(cache, index, _user_keys(work), _renamed(work))
    result = Evaluation(work, now, index, plan)
    slots = asyncio.Semaphore(max(1, concurrency))

    async def one(s: str) -> None:
        compiled = cache.compiled(plan.affected[s])
        text = queries["segments/evaluate_membership"].replace("__PREDICATE__",
                                                               compiled.predicate)
        params = update_params(compiled, s, plan.segment_users[s], plan.full, now)
        async with slots:
            [row] = await members.run_compiled(text, params)
        result.changes[s] = row["changes"]

    tasks = [asyncio.create_task(one(s)) for s in plan.order]
    try:
        await asyncio.gather(*tasks)
    except BaseException:  # the first failure, as raised; the others are not waited for
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return result


def _split(plan: SegmentPlan, changes: dict[str, list[dict[str, str]]], valid: set[str]
           ) -> tuple[list[dict[str, str]], dict[str, list[str]]]:
    """The read-phase changes that stand, and, per segment, the users to evaluate again in
    the write transaction: those for whom a referenced segment changes (or is evaluated
    again) in this drain."""
    moved: dict[str, set[str]] = {}  # user -> segments whose membership this drain may move
    kept: list[dict[str, str]] = []
    again: dict[str, list[str]] = {}
    for s in plan.order:
        redo = [u for u in plan.segment_users[s]
                if u in valid and plan.refs[s] & moved.get(u, set())]
        redo_set = set(redo)
        for c in changes.get(s, []):
            if c["user_id"] in valid and c["user_id"] not in redo_set:
                kept.append(c)
                moved.setdefault(c["user_id"], set()).add(s)
        for u in redo:
            moved.setdefault(u, set()).add(s)
        if redo:
            again[s] = redo
    return kept, again


async def apply(tx: AsyncManagedTransaction, cache: CompileCache, evaluation: Evaluation
                ) -> IncrementalResult:
    """Lock the evaluated profiles, apply the result to those whose work did not move,
    evaluate the others again, and clear their work."""
    work, now = evaluation.work, evaluation.now
    locked = await tx_rows(tx, queries["segments/lock_membership_work"], {
        "work": [{"user_id": r["user_id"], "seq": r["seq"]} for r in work]})
    valid = {r["user_id"] for r in locked if not r["moved"]}
    moved = [r for r in locked if r["moved"]]
    result = IncrementalResult(claimed=len(work), redone=len(moved))
    if not locked:
        return result
    index = await tx_rows(tx, queries["segments/list_segment_index"], {})
    plan = evaluation.plan
    if plan is None or _versions(index) != _versions(evaluation.index):
        # the segments changed since the evaluation: evaluate all this work here, in full
        redo = locked
    else:
        redo = moved
        if valid:
            await _apply_planned(tx, cache, evaluation, plan, valid, result, now)
    if redo:  # work as it is now (locked): evaluated here, so none is left behind
        again = await apply_changes(tx, cache, index, _user_keys(redo), _renamed(redo), now)
        result.changes += again.changes
        for s, users in again.evaluated.items():
            result.evaluated[s] = sorted({*result.evaluated.get(s, []), *users})
    await tx_rows(tx, queries["segments/finish_membership_work"],
                  {"user_ids": sorted(r["user_id"] for r in locked)})
    result.users = len(locked)
    result.marked = [r["marked"].to_native() for r in locked]
    return result


async def _apply_planned(tx: AsyncManagedTransaction, cache: CompileCache,
                         evaluation: Evaluation, plan: SegmentPlan, valid: set[str],
                         result: IncrementalResult, now: datetime) -> None:
    renamed = {u: olds for u, olds in plan.renamed.items() if u in valid}
    old_ids = sorted({old for olds in renamed.values() for old in olds})
    if old_ids:  # exits of ids no profile has any more
        await tx_rows(tx, queries["segments/record_merged_exits"],
                      {"user_ids": old_ids, "now": now})
    kept, again = _split(plan, evaluation.changes, valid)
    if kept:
        [row] = await tx_rows(tx, queries["segments/apply_membership_changes"],
                              {"changes": kept, "now": now})
        result.changes += row["changes"]
    for s in plan.order:  # reference order: each sees what the earlier ones applied
        if s in again:
            compiled = cache.compiled(plan.affected[s])
            [row] = await tx_rows(tx, segment_update(compiled),
                                  update_params(compiled, s, again[s], plan.full, now))
            result.changes += row["changes"]
    if renamed:
        await tx_rows(tx, queries["segments/record_renamed_entries"],
                      {"user_ids": sorted(renamed), "now": now})
    result.evaluated = {s: [u for u in users if u in valid]
                        for s, users in plan.segment_users.items()}
