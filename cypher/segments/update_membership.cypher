// Re-evaluates one segment for a list of users and applies the entries and exits it finds.
// __PREDICATE__ is replaced by the segment's compiled predicate over `u` (generated from a
// validated definition; every value in it is a parameter), so the text is fixed per segment
// version. $users: [{id, full}]; a current member whose `full` is false is left as it is
// without evaluating the predicate (a monotone segment and only new events: still a member).
// One row: changes = [{user_id, segment_id, change ('entered'/'exited')}].
UNWIND $users AS w
MATCH (u:User {user_id: w.id})
MATCH (s:Segment {segment_id: $segment_id})
OPTIONAL MATCH (u)-[r:IN_SEGMENT]->(s)
WITH u, s, r, w.full AS full WHERE full OR r IS NULL
WITH u, s, r, __PREDICATE__ AS inside
WHERE inside <> (r IS NOT NULL)
FOREACH (_ IN CASE WHEN inside THEN [1] ELSE [] END |
  CREATE (u)-[:IN_SEGMENT {since: $now}]->(s))
DELETE r
WITH u, s, CASE WHEN inside THEN 'entered' ELSE 'exited' END AS change
CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: u.user_id, change: change, at: $now})
RETURN collect({user_id: u.user_id, segment_id: s.segment_id, change: change}) AS changes
