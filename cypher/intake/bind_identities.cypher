// New identities of a batch, each pointing at its (final) profile.
UNWIND $binds AS b
MATCH (u:User {user_id: b.user_id})
MERGE (i:Identity {kind: b.kind, value: b.value})
MERGE (i)-[:IDENTIFIES]->(u)
FOREACH (_ IN CASE WHEN b.sealed IS NOT NULL THEN [1] END | SET i.value_sealed = b.sealed)
