// New identities of a batch, each pointing at its (final) profile, found by element id
// ($by_eid: index into $user_eids, the profiles intake/lock_batch locked). The lookup found
// none of these identities; one that exists now was bound by a concurrent batch since, and
// when it names another profile the batch is stale: one row, conflicts (the identities bound
// elsewhere), which the repository answers by rolling back and planning the batch again.
UNWIND $by_eid AS b
MATCH (u) WHERE elementId(u) = $eid_prefix + $user_eids[b.u]
MERGE (i:Identity {kind: b.kind, value: b.value})
MERGE (i)-[:IDENTIFIES]->(u)
FOREACH (_ IN CASE WHEN b.sealed IS NOT NULL THEN [1] END | SET i.value_sealed = b.sealed)
WITH i, u
WHERE EXISTS { (i)-[:IDENTIFIES]->(other) WHERE other <> u }
RETURN collect(i.kind + ':' + i.value) AS conflicts
