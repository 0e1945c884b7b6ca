// Re-evaluates one segment for a list of users and applies the entries and exits it finds.
// __PREDICATE__ is replaced by the segment's compiled predicate over `u` (generated from a
// validated definition; every value in it is a parameter), so the text is fixed per segment
// version. One row: changes = [{user_id, segment_id, change ('entered'/'exited')}].
UNWIND $user_ids AS uid
MATCH (u:User {user_id: uid})
MATCH (s:Segment {segment_id: $segment_id})
WITH u, s, __PREDICATE__ AS inside
OPTIONAL MATCH (u)-[r:IN_SEGMENT]->(s)
WITH u, s, r, inside WHERE inside <> (r IS NOT NULL)
FOREACH (_ IN CASE WHEN inside THEN [1] ELSE [] END |
  CREATE (u)-[:IN_SEGMENT {since: $now}]->(s))
DELETE r
WITH u, s, CASE WHEN inside THEN 'entered' ELSE 'exited' END AS change
CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: u.user_id, change: change, at: $now})
RETURN collect({user_id: u.user_id, segment_id: s.segment_id, change: change}) AS changes
