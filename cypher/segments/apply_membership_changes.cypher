// Applies entries and exits computed by segments/evaluate_membership (on profiles the drain
// has locked and whose work did not move since): an entry where the profile is not a member,
// an exit where it is, each with its change-feed record. One row: the changes applied.
OPTIONAL MATCH (d:Destination {active: true})
WHERE size(d.segment_changes) > 0
WITH collect(d) AS ds
UNWIND $changes AS c
MATCH (u:User {user_id: c.user_id})
MATCH (s:Segment {segment_id: c.segment_id})
OPTIONAL MATCH (u)-[r:IN_SEGMENT]->(s)
WITH ds, u, s, r, c.change = 'entered' AS inside
WHERE inside <> (r IS NOT NULL)
FOREACH (_ IN CASE WHEN inside THEN [1] ELSE [] END |
  CREATE (u)-[:IN_SEGMENT {since: $now}]->(s))
DELETE r
WITH ds, u, s, CASE WHEN inside THEN 'entered' ELSE 'exited' END AS change
CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: u.user_id, change: change, at: $now})
WITH ds, u, s, change
CALL (ds, u, s, change) {
  // outbox (docs/destinations.md): one delivery per subscribed destination, in this
  // transaction; seq orders the profile's deliveries (the profile is locked here). The
  // destinations were read once for the statement (ds), not per change.
  WITH u, s, change, [d IN ds WHERE change IN d.segment_changes
                      AND ('*' IN d.segment_ids OR s.segment_id IN d.segment_ids)] AS targets
  WHERE size(targets) > 0
    AND EXISTS { (u)-[:CONSENTED {status: 'granted'}]->(:Purpose {name: 'marketing'}) }
  UNWIND targets AS d
  SET u.outbox_seq = coalesce(u.outbox_seq, 0) + 1
  CREATE (:Delivery {delivery_id: 'msg_' + replace(randomUUID(), '-', ''),
                     destination_id: d.destination_id, user_id: u.user_id, seq: u.outbox_seq,
                     type: 'segment.' + change, segment_id: s.segment_id, at: $now,
                     created_at: datetime(), next_at: datetime(), state: 'pending',
                     attempts: 0})
}
RETURN collect({user_id: u.user_id, segment_id: s.segment_id, change: change}) AS changes
