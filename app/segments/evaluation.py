"""One query that evaluates several segments for a few users at once (incremental path).

The text is assembled from compiled predicates only (generated from validated definitions,
parameters prefixed per segment), never from client strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.segments.compiler import CompiledSegment


@dataclass(frozen=True)
class UserEvaluation:
    cypher: str
    params: dict[str, Any]
    segment_ids: tuple[str, ...]


def user_evaluation(segments: Sequence[tuple[str, CompiledSegment]], user_ids: list[str],
                    now: datetime) -> UserEvaluation:
    """Rows `user_id`, `matches` (one boolean per segment, in order), `current` (segment ids
    the user is a member of now)."""
    params: dict[str, Any] = {"now": now, "user_ids": user_ids}
    for _, compiled in segments:
        params.update(compiled.params)
    predicates = ", ".join(compiled.predicate for _, compiled in segments)
    cypher = (
        "UNWIND $user_ids AS uid MATCH (u:User {user_id: uid}) "
        f"RETURN u.user_id AS user_id, [{predicates}] AS matches, "
        "COLLECT { MATCH (u)-[:IN_SEGMENT]->(cur:Segment) RETURN cur.segment_id } AS current"
    )
    return UserEvaluation(cypher, params, tuple(s for s, _ in segments))


def membership_changes(evaluation: UserEvaluation, rows: list[dict[str, Any]]
                       ) -> list[dict[str, str]]:
    changes = []
    for row in rows:
        current = set(row["current"])
        for segment_id, match in zip(evaluation.segment_ids, row["matches"], strict=True):
            if match and segment_id not in current:
                changes.append({"user_id": row["user_id"], "segment_id": segment_id,
                                "change": "entered"})
            elif not match and segment_id in current:
                changes.append({"user_id": row["user_id"], "segment_id": segment_id,
                                "change": "exited"})
    return changes
