// Full refresh, exits: members for whom the predicate is now false, in batches of 1,000
// rows. The NOT ( ) holds the segment's compiled predicate over `u`, spliced in.
// Needs an auto-commit transaction. One row: exited.
MATCH (s:Segment {segment_id: $segment_id})<-[r:IN_SEGMENT]-(u:User)
WHERE NOT (__PREDICATE__)
CALL (s, r, u) {
  DELETE r
  CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange
    {user_id: u.user_id, change: 'exited', at: $now})
} IN TRANSACTIONS OF 1000 ROWS
RETURN count(*) AS exited
