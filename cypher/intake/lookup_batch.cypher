// What the database knows about a batch, in one round trip: which profile each identity
// belongs to (with that profile's consent), which event ids are already stored, which
// identify/alias/group messages were already applied, and which of the batch's identity
// hashes ($hashes) are on the suppression list (erased people; read last, so an erasure that
// committed while this statement ran and removed an identity read above as missing is seen).
// A User without an Identity node (created by hand) is found by its id.
CALL () {
  UNWIND $keys AS k
  OPTIONAL MATCH (:Identity {kind: k.kind, value: k.value})-[:IDENTIFIES]->(bound:User)
  OPTIONAL MATCH (direct:User {user_id: CASE k.kind
      WHEN 'user_id' THEN k.value WHEN 'anonymous_id' THEN 'anon:' + k.value END})
  WITH k, coalesce(bound, direct) AS u
  WHERE u IS NOT NULL
  OPTIONAL MATCH (u)-[c:CONSENTED]->(p:Purpose)
  WITH k, u, collect({purpose: p.name, status: c.status}) AS consent
  RETURN collect({kind: k.kind, value: k.value, user_id: u.user_id, consent: consent}) AS bound
}
CALL () {
  UNWIND $ids AS id
  MATCH (e:Event {event_id: id})
  RETURN collect(id) AS existing
}
CALL () {
  UNWIND $receipt_ids AS id
  MATCH (r:MessageReceipt {message_id: id})
  RETURN collect(id) AS receipts
}
CALL () {
  UNWIND $hashes AS h
  MATCH (e:ErasedIdentity {hash: h})
  RETURN collect(h) AS erased
}
RETURN bound, existing, receipts, erased
