// The erasure that already suppressed an id ($hashes: the id's hashes as a user id, an
// anonymous id, an e-mail hash), if any, with its receipt; a retried DELETE answers with it.
MATCH (e:ErasedIdentity) WHERE e.hash IN $hashes
WITH e ORDER BY e.at LIMIT 1
OPTIONAL MATCH (r:ErasureRecord {receipt_id: e.receipt_id})
RETURN e.receipt_id AS receipt_id, e.at AS at, r.counts AS counts
