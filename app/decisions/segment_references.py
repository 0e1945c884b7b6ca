"""The placements whose current version names a segment in a rule (any depth of the rule's
condition): such a segment cannot be deleted (app/segments/referrers.py)."""

from __future__ import annotations

from typing import Any

import orjson
from neo4j import AsyncManagedTransaction

from app.segments.referrers import Referrer, tx_rows


def segment_pointers(condition: Any, path: str) -> list[tuple[str, str]]:
    """(JSON pointer, segment id) of every segment condition in a stored rule condition."""
    if not isinstance(condition, dict):
        return []
    found = []
    if condition.get("type") == "segment" and isinstance(condition.get("segment_id"), str):
        found.append((f"{path}/segment_id", condition["segment_id"]))
    for n, child in enumerate(condition.get("conditions") or []):
        found += segment_pointers(child, f"{path}/conditions/{n}")
    if "condition" in condition:
        found += segment_pointers(condition["condition"], f"{path}/condition")
    return found


def rules_naming(definition: str, segment_id: str) -> list[str]:
    """Each rule of a stored definition naming the segment: `rule 1 'premium' (/rules/0/...)`.
    Rules are counted from 1 as decision reasons count them; the JSON pointer stays 0-based."""
    rules = orjson.loads(definition).get("rules") or []
    return [f"rule {n + 1} {rule.get('name')!r} ({pointer})"
            for n, rule in enumerate(rules)
            for pointer, named in segment_pointers(rule.get("when"), f"/rules/{n}/when")
            if named == segment_id]


async def placements_naming(tx: AsyncManagedTransaction, segment_id: str) -> list[Referrer]:
    found = []
    for row in await tx_rows(tx, "decisions/list_placements_naming_segment",
                          segment_id=segment_id):
        found += [Referrer("placement", row["placement_id"], where)
                  for where in rules_naming(row["definition"], segment_id)]
    return found
