// Erased identities (SHA-256 of kind:value), so later messages naming them are dropped; each
// keeps the receipt of the erasure that added it, so a retried erasure answers with it.
UNWIND $hashes AS hash
MERGE (e:ErasedIdentity {hash: hash})
ON CREATE SET e.at = $at, e.receipt_id = $receipt_id
