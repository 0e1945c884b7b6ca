// Full refresh, exits: members for whom the predicate is now false, in batches of 1,000
// rows. The NOT ( ) holds the segment's compiled predicate over `u`, spliced in.
// Needs an auto-commit transaction. One row: exited.
MATCH (s:Segment {segment_id: $segment_id})<-[r:IN_SEGMENT]-(u:User)
WHERE NOT (__PREDICATE__)
CALL (s, r, u) {
  DELETE r
  CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange
    {user_id: u.user_id, change: 'exited', at: $now})
  WITH u, s, 'exited' AS change
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
} IN TRANSACTIONS OF 1000 ROWS
RETURN count(*) AS exited
