CREATE (k:ApiKey {key_id: $key_id, key_hash: $key_hash, name: $name, scopes: $scopes,
                  created_at: $now})
RETURN k.key_id AS key_id, k.name AS name, k.scopes AS scopes, k.created_at AS created_at,
       k.revoked_at AS revoked_at
