// GDPR erasure: the profile, its events, identities, consent, merge records, segment
// membership history and outbox deliveries (ids of merged-in profiles included). Items stay:
// they hold no personal data. Returns what was deleted, for the receipt, and the ids and
// identities the profile had (their hashes join the suppression list in the same transaction).
// The profile is write-locked first, so what follows reads it as committed after any intake
// batch that held it (whose events and identities are erased too); a batch waiting for it
// finds it gone and is planned again, against the suppression list.
MATCH (u:User {user_id: $user_id})
SET u.`__erasing` = true
WITH u
OPTIONAL MATCH (u)-[:MERGED_FROM]->(pm:ProfileMerge)
WITH u, [u.user_id] + collect(pm.from_user_id) AS ids
CALL (u) {
  OPTIONAL MATCH (i:Identity)-[:IDENTIFIES]->(u)
  RETURN collect(i {.kind, .value}) AS keys
}
CALL (u) {
  OPTIONAL MATCH (u)-[:PERFORMED]->(e:Event)
  DETACH DELETE e
  RETURN count(e) AS events
}
CALL (u) {
  OPTIONAL MATCH (i:Identity)-[:IDENTIFIES]->(u)
  DETACH DELETE i
  RETURN count(i) AS identities
}
CALL (u) {
  OPTIONAL MATCH (u)-[:CONSENT_CHANGED|MERGED_FROM]->(n)
  DETACH DELETE n
  RETURN count(n) AS history
}
CALL (ids) {
  OPTIONAL MATCH (m:MembershipChange)
  WHERE m.user_id IN ids
  DETACH DELETE m
  RETURN count(m) AS membership_changes
}
CALL (ids) {
  // queued and kept deliveries to destinations (docs/destinations.md) name the profile;
  // read through delivery_chain: every destination's, in every state
  OPTIONAL MATCH (d:Destination)
  WITH ids, collect(d.destination_id) AS destinations
  OPTIONAL MATCH (x:Delivery)
  USING INDEX x:Delivery(destination_id, state, user_id, seq)
  WHERE x.destination_id IN destinations AND x.state IN ['pending', 'delivered', 'dead']
    AND x.user_id IN ids AND x.seq IS NOT NULL
  DELETE x
  RETURN count(x) AS deliveries
}
CALL (u) {
  OPTIONAL MATCH (u)-[r]-()
  RETURN count(r) AS other_edges
}
DETACH DELETE u
RETURN events, identities, history, membership_changes, deliveries, other_edges,
       size(ids) AS profiles, ids, keys
