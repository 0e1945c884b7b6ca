// New identities of a batch, each pointing at its (final) profile: found by element id when
// intake/lock_batch locked it ($by_eid: index into $user_eids), else by user_id ($by_id).
CALL () {
  UNWIND $by_eid AS b
  MATCH (u) WHERE elementId(u) = $eid_prefix + $user_eids[b.u]
  MERGE (i:Identity {kind: b.kind, value: b.value})
  MERGE (i)-[:IDENTIFIES]->(u)
  FOREACH (_ IN CASE WHEN b.sealed IS NOT NULL THEN [1] END | SET i.value_sealed = b.sealed)
}
CALL () {
  UNWIND $by_id AS b
  MATCH (u:User {user_id: b.user_id})
  MERGE (i:Identity {kind: b.kind, value: b.value})
  MERGE (i)-[:IDENTIFIES]->(u)
  FOREACH (_ IN CASE WHEN b.sealed IS NOT NULL THEN [1] END | SET i.value_sealed = b.sealed)
}
