// Applies entries and exits computed by segments/evaluate_membership (on profiles the drain
// has locked and whose work did not move since): an entry where the profile is not a member,
// an exit where it is, each with its change-feed record. One row: the changes applied.
UNWIND $changes AS c
MATCH (u:User {user_id: c.user_id})
MATCH (s:Segment {segment_id: c.segment_id})
OPTIONAL MATCH (u)-[r:IN_SEGMENT]->(s)
WITH u, s, r, c.change = 'entered' AS inside
WHERE inside <> (r IS NOT NULL)
FOREACH (_ IN CASE WHEN inside THEN [1] ELSE [] END |
  CREATE (u)-[:IN_SEGMENT {since: $now}]->(s))
DELETE r
WITH u, s, CASE WHEN inside THEN 'entered' ELSE 'exited' END AS change
CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: u.user_id, change: change, at: $now})
RETURN collect({user_id: u.user_id, segment_id: s.segment_id, change: change}) AS changes
