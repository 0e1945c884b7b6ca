MATCH (e:ErasedIdentity)
RETURN collect(e.hash) AS hashes
