// Full refresh, entries: the compiled query's users without an IN_SEGMENT edge enter, in
// batches of 1,000 rows (each batch a transaction holding its users' write locks until it
// commits, so concurrent intake never waits long). The first CALL body is replaced by the
// segment's compiled query (generated from a validated definition; values are parameters).
// Needs an auto-commit transaction. One row: entered.
CALL () { __SEGMENT_QUERY__ }
CALL (user_id) {
  MATCH (u:User {user_id: user_id}), (s:Segment {segment_id: $segment_id})
  WHERE NOT EXISTS { (u)-[:IN_SEGMENT]->(s) }
  CREATE (u)-[:IN_SEGMENT {since: $now}]->(s)
  CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange
    {user_id: user_id, change: 'entered', at: $now})
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
  RETURN 1 AS entered
} IN TRANSACTIONS OF 1000 ROWS
RETURN count(entered) AS entered
