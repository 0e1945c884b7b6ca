"""Applying membership changes for a set of users, inside one write transaction.

The caller is the drain of the work intake records on profiles
(app/segments/membership/drain.py), for work that moved while it evaluated or when the
segments changed meanwhile; the drain plans its evaluation with `plan_segments` too. For each
affected segment, in reference order, one statement with a text fixed per segment version
(app/segments/evaluation.py); a current member of a monotone segment
(app/segments/monotone.py) whose work is only new events is left as it is, unevaluated.
Then the change feed is carried across renames and merges: `exited` for the ids a profile
no longer has, `entered` under the id it has now.
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
from app.segments.loaded import CompileCache, LoadedSegment
from app.segments.membership.repository import tx_rows

EVERYTHING = "*"


@dataclass
class IncrementalResult:
    evaluated: dict[str, list[str]] = field(default_factory=dict)  # segment -> user ids
    changes: list[dict[str, str]] = field(default_factory=list)
    users: int = 0  # profiles whose work was applied (drain)
    claimed: int = 0  # profiles whose work a drain read
    redone: int = 0  # of those, evaluated again under lock: a batch recorded more meanwhile
    marked: list[datetime] = field(default_factory=list)  # each applied work's first commit
    lags_s: list[float] = field(default_factory=list)  # from then to the applying commit
    evaluate_s: float = 0.0  # a drain's wall time: evaluation (no locks) ...
    apply_s: float = 0.0  # ... and the write transaction


def keys_of(types: list[str] | None) -> set[str] | None:
    """Dependency keys from the types recorded on a profile (None: every segment)."""
    if types is None or EVERYTHING in types:
        return None
    return change_keys(types)


@dataclass
class SegmentPlan:
    """Which segments to evaluate, for which users, in which order."""
    affected: dict[str, LoadedSegment]
    refs: dict[str, set[str]]  # segment -> the affected segments it refers to
    segment_users: dict[str, list[str]]  # segment -> user ids (sorted)
    order: list[str]  # the segments with users, references first
    full: set[str]  # users evaluated whatever their membership
    renamed: dict[str, list[str]]


def plan_segments(cache: CompileCache, index: list[dict[str, Any]],
                  user_keys: dict[str, set[str] | None], renamed: dict[str, list[str]]
                  ) -> SegmentPlan:
    """For each user, the segments depending on any of its keys (None: every segment)."""
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
    order = [s for s in evaluation_order(refs) if segment_users.get(s)]
    return SegmentPlan(affected, refs, dict(segment_users), order, full, renamed)


async def apply_changes(tx: AsyncManagedTransaction, cache: CompileCache,
                        index: list[dict[str, Any]], user_keys: dict[str, set[str] | None],
                        renamed: dict[str, list[str]], now: datetime) -> IncrementalResult:
    """Re-evaluate, for each user, the segments depending on any of its keys (None: every
    segment), in reference order; then carry the change feed across renames."""
    result = IncrementalResult()
    plan = plan_segments(cache, index, user_keys, renamed)
    old_ids = sorted({old for olds in renamed.values() for old in olds})
    if old_ids:  # before re-evaluation: exits of ids no profile has any more
        await tx_rows(tx, queries["segments/record_merged_exits"],
                      {"user_ids": old_ids, "now": now})
    for s in plan.order:
        compiled = cache.compiled(plan.affected[s])
        [row] = await tx_rows(tx, segment_update(compiled),
                              update_params(compiled, s, plan.segment_users[s], plan.full, now))
        result.changes += row["changes"]
    if renamed:
        await tx_rows(tx, queries["segments/record_renamed_entries"],
                      {"user_ids": sorted(renamed), "now": now})
    result.evaluated = plan.segment_users
    return result
