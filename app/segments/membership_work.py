"""Applying membership changes for a set of users, inside one write transaction.

Two callers: the worker draining the work intake records on profiles (`drain`), and direct
re-evaluation (`MembershipService.evaluate_users`). For each affected segment, in reference
order, one statement with a text fixed per segment version (app/segments/evaluation.py);
a current member of a monotone segment (app/segments/monotone.py) whose work is only new
events is left as it is, unevaluated. Then the change feed is carried across renames and
merges: `exited` for the ids a profile no longer has, `entered` under the id it has now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from app.db.queries import queries
from app.segments.dependencies import change_keys, evaluation_order
from app.segments.evaluation import segment_update, update_params
from app.segments.loaded import CompileCache
from app.segments.membership_repository import tx_rows

EVERYTHING = "*"


@dataclass
class IncrementalResult:
    evaluated: dict[str, list[str]] = field(default_factory=dict)  # segment -> user ids
    changes: list[dict[str, str]] = field(default_factory=list)
    users: int = 0  # profiles whose work was applied (drain)
    lags_s: list[float] = field(default_factory=list)  # since each profile's work was recorded


def keys_of(types: list[str] | None) -> set[str] | None:
    """Dependency keys from the types recorded on a profile (None: every segment)."""
    if types is None or EVERYTHING in types:
        return None
    return change_keys(types)


async def apply_changes(tx: AsyncManagedTransaction, cache: CompileCache,
                        index: list[dict[str, Any]], user_keys: dict[str, set[str] | None],
                        renamed: dict[str, list[str]], now: datetime) -> IncrementalResult:
    """Re-evaluate, for each user, the segments depending on any of its keys (None: every
    segment), in reference order; then carry the change feed across renames."""
    result = IncrementalResult()
    all_keys = set().union(*(k for k in user_keys.values() if k is not None))
    everything = any(k is None for k in user_keys.values())
    rows = [r for r in index if everything or all_keys.intersection(r["depends_on"])]
    affected = {r["segment_id"]: cache.load(r["segment_id"], r["version"], r["definition"])
                for r in rows}
    depends_on = {r["segment_id"]: set(r["depends_on"]) for r in rows}
    refs = {s: seg.references & affected.keys() for s, seg in affected.items()}
    segment_users: dict[str, list[str]] = defaultdict(list)
    for user_id, keys in sorted(user_keys.items()):
        for s in affected:
            if keys is None or depends_on[s] & keys:
                segment_users[s].append(user_id)
    # merged profiles (keys None) may have lost events, renamed ones changed identity:
    # evaluated in full; the others only received new events
    full = {u for u, keys in user_keys.items() if keys is None} | renamed.keys()
    old_ids = sorted({old for olds in renamed.values() for old in olds})
    if old_ids:  # before re-evaluation: exits of ids no profile has any more
        await tx_rows(tx, queries["segments/record_merged_exits"],
                      {"user_ids": old_ids, "now": now})
    for s in evaluation_order(refs):
        users = segment_users.get(s)
        if not users:
            continue
        compiled = cache.compiled(affected[s])
        [row] = await tx_rows(tx, segment_update(compiled),
                              update_params(compiled, s, users, full, now))
        result.changes += row["changes"]
    if renamed:
        await tx_rows(tx, queries["segments/record_renamed_entries"],
                      {"user_ids": sorted(renamed), "now": now})
    result.evaluated = dict(segment_users)
    return result


async def drain(tx: AsyncManagedTransaction, cache: CompileCache, limit: int, now: datetime
                ) -> IncrementalResult:
    """Claim up to `limit` profiles with pending work (oldest first), apply it, clear it."""
    claimed = await tx_rows(tx, queries["segments/claim_membership_work"],
                            {"limit": limit, "now": now})
    # another replica's worker may have applied some while this one waited for their locks
    claimed = [r for r in claimed if r["pending"] is not None]
    if not claimed:
        return IncrementalResult()
    # The segments as they are now, read after the claim, never a cached copy: a segment
    # saved (here or by another replica) before this work committed may have been
    # materialized without it, so the drain must evaluate it.
    index = await tx_rows(tx, queries["segments/list_segment_index"], {})
    user_keys = {r["user_id"]: keys_of(r["types"]) for r in claimed}
    renamed = {r["user_id"]: list(r["renamed"]) for r in claimed if r["renamed"]}
    relevant = {u: k for u, k in user_keys.items() if k is None or k}
    result = await apply_changes(tx, cache, index, relevant, renamed, now)
    await tx_rows(tx, queries["segments/finish_membership_work"],
                  {"user_ids": [r["user_id"] for r in claimed]})
    result.users = len(claimed)
    result.lags_s = [(now - r["pending"].to_native()).total_seconds() for r in claimed]
    return result
