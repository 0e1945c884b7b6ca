// Profiles merged away lose their memberships with their node (intake drops the edges);
// record the exit so every entry in the history has its end.
UNWIND $user_ids AS uid
MATCH (s:Segment)-[:MEMBERSHIP_CHANGED]->(m:MembershipChange {user_id: uid})
WITH s, uid, m ORDER BY m.at DESC
WITH s, uid, collect(m)[0] AS last
WHERE last.change = 'entered' AND NOT EXISTS { (:User {user_id: uid})-[:IN_SEGMENT]->(s) }
CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: uid, change: 'exited', at: $now,
                                                      reason: 'merged'})
RETURN count(*) AS exited
