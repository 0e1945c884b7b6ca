// A profile that took a new id (an anonymous profile identified, or the survivor of a merge)
// keeps its memberships; each gets an `entered` under the id it has now unless the feed says
// so already, so a consumer of the change feed follows the profile across the rename (the old
// id's `exited` comes from segments/record_merged_exits).
UNWIND $user_ids AS uid
MATCH (:User {user_id: uid})-[:IN_SEGMENT]->(s:Segment)
OPTIONAL MATCH (s)-[:MEMBERSHIP_CHANGED]->(m:MembershipChange {user_id: uid})
WITH s, uid, m ORDER BY m.at DESC
WITH s, uid, collect(m)[0] AS last
WHERE last IS NULL OR last.change <> 'entered'
CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: uid, change: 'entered', at: $now,
                                                      reason: 'renamed'})
RETURN count(*) AS entered
