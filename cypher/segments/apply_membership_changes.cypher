// Per-user entries and exits found by incremental evaluation; a change already applied
// (by a concurrent evaluation) is skipped, so history records each transition once.
UNWIND $changes AS c
MATCH (u:User {user_id: c.user_id}), (s:Segment {segment_id: c.segment_id})
OPTIONAL MATCH (u)-[r:IN_SEGMENT]->(s)
WITH u, s, r, c
WHERE (c.change = 'entered' AND r IS NULL) OR (c.change = 'exited' AND r IS NOT NULL)
FOREACH (_ IN CASE WHEN c.change = 'entered' THEN [1] ELSE [] END |
  CREATE (u)-[:IN_SEGMENT {since: $now}]->(s))
DELETE r
CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: c.user_id, change: c.change,
                                                      at: $now})
RETURN count(*) AS applied
