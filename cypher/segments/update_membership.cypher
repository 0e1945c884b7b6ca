// Re-evaluates one segment for a list of users and applies the entries and exits it finds.
// __PREDICATE__ is replaced by the segment's compiled predicate over `u` (generated from a
// validated definition; every value in it is a parameter), so the text is fixed per segment
// version. $users: [{id, full}]; a current member whose `full` is false is left as it is
// without evaluating the predicate (a monotone segment and only new events: still a member).
// One row: changes = [{user_id, segment_id, change ('entered'/'exited')}].
OPTIONAL MATCH (d:Destination {active: true})
WHERE size(d.segment_changes) > 0
WITH collect(d) AS ds
UNWIND $users AS w
MATCH (u:User {user_id: w.id})
MATCH (s:Segment {segment_id: $segment_id})
OPTIONAL MATCH (u)-[r:IN_SEGMENT]->(s)
WITH ds, u, s, r, w.full AS full WHERE full OR r IS NULL
WITH ds, u, s, r, __PREDICATE__ AS inside
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
