// Erased identities (SHA-256 of kind:value), so later messages naming them are dropped.
UNWIND $hashes AS hash
MERGE (e:ErasedIdentity {hash: hash})
ON CREATE SET e.at = $at
