// A profile that took a new id (an anonymous profile identified, or the survivor of a merge)
// keeps its memberships; each gets an `entered` under the id it has now unless the feed says
// so already, so a consumer of the change feed follows the profile across the rename (the old
// id's `exited` comes from segments/record_merged_exits).
UNWIND $user_ids AS uid
MATCH (u:User {user_id: uid})-[:IN_SEGMENT]->(s:Segment)
OPTIONAL MATCH (s)-[:MEMBERSHIP_CHANGED]->(m:MembershipChange {user_id: uid})
WITH u, s, uid, m ORDER BY m.at DESC
WITH u, s, uid, collect(m)[0] AS last
WHERE last IS NULL OR last.change <> 'entered'
CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: uid, change: 'entered', at: $now,
                                                      reason: 'renamed'})
WITH u, s, 'entered' AS change
CALL (u, s, change) {
  // outbox (docs/destinations.md): one delivery per subscribed destination, in this
  // transaction; seq orders the profile's deliveries (the profile is locked here)
  MATCH (d:Destination {active: true})
  WHERE change IN d.segment_changes AND ('*' IN d.segment_ids OR s.segment_id IN d.segment_ids)
    AND EXISTS { (u)-[:CONSENTED {status: 'granted'}]->(:Purpose {name: 'marketing'}) }
  SET u.outbox_seq = coalesce(u.outbox_seq, 0) + 1
  CREATE (:Delivery {delivery_id: 'msg_' + replace(randomUUID(), '-', ''),
                     destination_id: d.destination_id, user_id: u.user_id, seq: u.outbox_seq,
                     type: 'segment.' + change, segment_id: s.segment_id, at: $now,
                     created_at: datetime(), next_at: datetime(), state: 'pending',
                     attempts: 0})
}
RETURN count(*) AS entered
