// Full refresh, entries: the compiled query's users without an IN_SEGMENT edge enter, in
// batches of 1,000 rows (each batch a transaction holding its users' write locks until it
// commits, so concurrent intake never waits long). The first CALL body is replaced by the
// segment's compiled query (generated from a validated definition; values are parameters).
// Needs an auto-commit transaction. One row: entered.
CALL () { __SEGMENT_QUERY__ }
CALL (user_id) {
  MATCH (u:User {user_id: user_id}), (s:Segment {segment_id: $segment_id})
  WHERE NOT EXISTS { (u)-[:IN_SEGMENT]->(s) }
  CREATE (u)-[:IN_SEGMENT {since: $now}]->(s)
  CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange
    {user_id: user_id, change: 'entered', at: $now})
  RETURN 1 AS entered
} IN TRANSACTIONS OF 1000 ROWS
RETURN count(entered) AS entered
