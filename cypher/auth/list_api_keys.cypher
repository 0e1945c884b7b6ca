MATCH (k:ApiKey)
RETURN k.key_id AS key_id, k.name AS name, k.scopes AS scopes, k.created_at AS created_at,
       k.revoked_at AS revoked_at
ORDER BY k.created_at
