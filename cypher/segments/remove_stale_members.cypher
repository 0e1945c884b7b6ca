// Set difference, exiting side: members not in $user_ids leave, at most $batch at a time.
MATCH (s:Segment {segment_id: $segment_id})<-[r:IN_SEGMENT]-(u:User)
WHERE NOT u.user_id IN $user_ids
WITH s, r, u LIMIT $batch
DELETE r
CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: u.user_id, change: 'exited',
                                                      at: $now})
RETURN count(*) AS exited
