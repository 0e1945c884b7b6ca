"""One statement that re-evaluates segments for a few users and applies the entries and exits
it finds: the incremental path after ingest costs one round trip per batch.

The statement is a chain of `CALL` subqueries, one per group (segments evaluated for the same
users), in reference order: a later group reads the memberships an earlier one wrote, since
later clauses of one statement see its earlier writes. Segments inside one group must not
refer to one another. The text is assembled from compiled predicates only (generated from
validated definitions, parameters prefixed per segment), never from client strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.segments.compiler import CompiledSegment


@dataclass(frozen=True)
class Group:
    segments: Sequence[tuple[str, CompiledSegment]]
    user_ids: list[str]


@dataclass(frozen=True)
class UserUpdate:
    cypher: str
    params: dict[str, Any]


def _group_call(n: int, group: Group) -> str:
    predicates = ", ".join(compiled.predicate for _, compiled in group.segments)
    return (
        "CALL () { "
        f"UNWIND $user_ids_{n} AS uid MATCH (u:User {{user_id: uid}}) "
        f"WITH u, [{predicates}] AS matches "
        "UNWIND range(0, size(matches) - 1) AS k "
        f"MATCH (s:Segment {{segment_id: $segment_ids_{n}[k]}}) "
        "OPTIONAL MATCH (u)-[r:IN_SEGMENT]->(s) "
        "WITH u, s, r, matches[k] AS inside WHERE inside <> (r IS NOT NULL) "
        "FOREACH (_ IN CASE WHEN inside THEN [1] ELSE [] END | "
        "CREATE (u)-[:IN_SEGMENT {since: $now}]->(s)) "
        "DELETE r "
        "WITH u, s, CASE WHEN inside THEN 'entered' ELSE 'exited' END AS change "
        "CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange "
        "{user_id: u.user_id, change: change, at: $now}) "
        "RETURN collect({user_id: u.user_id, segment_id: s.segment_id, change: change}) "
        f"AS c{n} }} "
    )


def user_update(groups: Sequence[Group], now: datetime) -> UserUpdate:
    """One row, `changes`: a list of {user_id, segment_id, change ('entered'/'exited')}."""
    params: dict[str, Any] = {"now": now}
    for n, group in enumerate(groups):
        params[f"user_ids_{n}"] = group.user_ids
        params[f"segment_ids_{n}"] = [s for s, _ in group.segments]
        for _, compiled in group.segments:
            params.update(compiled.params)
    calls = "".join(_group_call(n, g) for n, g in enumerate(groups))
    total = " + ".join(f"c{n}" for n in range(len(groups)))
    return UserUpdate(f"{calls}RETURN {total} AS changes", params)
