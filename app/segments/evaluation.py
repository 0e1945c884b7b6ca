"""One statement that re-evaluates several segments for a few users and applies the entries
and exits it finds (incremental path after ingest: one round trip per event).

The text is assembled from compiled predicates only (generated from validated definitions,
parameters prefixed per segment), never from client strings. Segments given together must
not refer to one another (the caller groups them by reference level): every predicate is
read before any membership edge is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.segments.compiler import CompiledSegment


@dataclass(frozen=True)
class UserUpdate:
    cypher: str
    params: dict[str, Any]


def user_update(segments: Sequence[tuple[str, CompiledSegment]], user_ids: list[str],
                now: datetime) -> UserUpdate:
    """Rows `user_id`, `segment_id`, `change` ('entered'/'exited'), one per change made."""
    params: dict[str, Any] = {"now": now, "user_ids": user_ids,
                              "segment_ids": [s for s, _ in segments]}
    for _, compiled in segments:
        params.update(compiled.params)
    predicates = ", ".join(compiled.predicate for _, compiled in segments)
    cypher = (
        "UNWIND $user_ids AS uid MATCH (u:User {user_id: uid}) "
        f"WITH u, [{predicates}] AS matches "
        "UNWIND range(0, size(matches) - 1) AS k "
        "MATCH (s:Segment {segment_id: $segment_ids[k]}) "
        "OPTIONAL MATCH (u)-[r:IN_SEGMENT]->(s) "
        "WITH u, s, r, matches[k] AS inside WHERE inside <> (r IS NOT NULL) "
        "FOREACH (_ IN CASE WHEN inside THEN [1] ELSE [] END | "
        "CREATE (u)-[:IN_SEGMENT {since: $now}]->(s)) "
        "DELETE r "
        "WITH u, s, CASE WHEN inside THEN 'entered' ELSE 'exited' END AS change "
        "CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange "
        "{user_id: u.user_id, change: change, at: $now}) "
        "RETURN u.user_id AS user_id, s.segment_id AS segment_id, change"
    )
    return UserUpdate(cypher, params)
