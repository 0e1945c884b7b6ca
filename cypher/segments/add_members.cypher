// Set difference, entering side: users of $user_ids not yet members become members.
MATCH (s:Segment {segment_id: $segment_id})
UNWIND $user_ids AS uid
MATCH (u:User {user_id: uid})
WHERE NOT EXISTS { (u)-[:IN_SEGMENT]->(s) }
CREATE (u)-[:IN_SEGMENT {since: $now}]->(s)
CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: uid, change: 'entered', at: $now})
RETURN count(*) AS entered
