// The batch's identity hashes that are on the suppression list (erased people), read before
// a batch is queued to Kafka; the intake transaction reads them again when it applies it.
UNWIND $hashes AS h
MATCH (e:ErasedIdentity {hash: h})
RETURN collect(h) AS erased
