"""Full-refresh and preview statements around a compiled segment query.

The set difference between today's members and the stored `IN_SEGMENT` edges is computed in
Cypher, in batches, so member lists never travel to the service: entries are the compiled
query's users without an edge, exits are members for whom the predicate is now false.
Assembled from compiled text only (generated from validated definitions).
"""

from __future__ import annotations

from app.segments.compiler import CompiledSegment

# Each batch is a transaction holding the write locks of its users until it commits; small
# batches keep concurrent intake (which locks the same profiles) from waiting long.
BATCH_ROWS = 1_000


def entries_statement(compiled: CompiledSegment) -> str:
    """Needs an auto-commit transaction (`CALL ... IN TRANSACTIONS`). Returns `entered`."""
    return (
        f"CALL () {{ {compiled.cypher} }} "
        "CALL (user_id) { "
        "MATCH (u:User {user_id: user_id}), (s:Segment {segment_id: $segment_id}) "
        "WHERE NOT EXISTS { (u)-[:IN_SEGMENT]->(s) } "
        "CREATE (u)-[:IN_SEGMENT {since: $now}]->(s) "
        "CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange "
        "{user_id: user_id, change: 'entered', at: $now}) "
        f"RETURN 1 AS entered }} IN TRANSACTIONS OF {BATCH_ROWS} ROWS "
        "RETURN count(entered) AS entered"
    )


def exits_statement(compiled: CompiledSegment) -> str:
    """Needs an auto-commit transaction. Returns `exited`."""
    return (
        "MATCH (s:Segment {segment_id: $segment_id})<-[r:IN_SEGMENT]-(u:User) "
        f"WHERE NOT ({compiled.predicate}) "
        "CALL (s, r, u) { "
        "DELETE r "
        "CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange "
        "{user_id: u.user_id, change: 'exited', at: $now}) "
        f"}} IN TRANSACTIONS OF {BATCH_ROWS} ROWS "
        "RETURN count(*) AS exited"
    )


def preview_statement(compiled: CompiledSegment) -> str:
    """`count` and the first `$sample_size` members in user_id order, in one row."""
    return (
        f"CALL () {{ {compiled.cypher} }} "
        "WITH user_id ORDER BY user_id "
        "WITH collect(user_id) AS ids "
        "RETURN size(ids) AS count, ids[0..$sample_size] AS sample"
    )
