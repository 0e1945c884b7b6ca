// Profiles merged away lose their memberships with their node (intake drops the edges);
// record the exit so every entry in the history has its end.
UNWIND $user_ids AS uid
MATCH (s:Segment)-[:MEMBERSHIP_CHANGED]->(m:MembershipChange {user_id: uid})
WITH s, uid, m ORDER BY m.at DESC
WITH s, uid, collect(m)[0] AS last
WHERE last.change = 'entered' AND NOT EXISTS { (:User {user_id: uid})-[:IN_SEGMENT]->(s) }
CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: uid, change: 'exited', at: $now,
                                                      reason: 'merged'})
WITH s, uid
CALL (s, uid) {
  // outbox: the id is gone with its profile (no consent to read); the exit is delivered to
  // the destinations that were told about this id before (so it was consented then)
  MATCH (d:Destination {active: true})
  WHERE 'exited' IN d.segment_changes AND ('*' IN d.segment_ids OR s.segment_id IN d.segment_ids)
  MATCH (prev:Delivery {destination_id: d.destination_id, user_id: uid})
  WITH d, max(prev.seq) AS last
  CREATE (:Delivery {delivery_id: 'msg_' + replace(randomUUID(), '-', ''),
                     destination_id: d.destination_id, user_id: uid, seq: last + 1,
                     type: 'segment.exited', segment_id: s.segment_id, at: $now,
                     created_at: datetime(), next_at: datetime(), state: 'pending',
                     attempts: 0})
}
RETURN count(*) AS exited
