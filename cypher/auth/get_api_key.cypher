MATCH (k:ApiKey {key_id: $key_id})
RETURN k.key_hash AS key_hash, k.scopes AS scopes, k.revoked_at IS NOT NULL AS revoked
