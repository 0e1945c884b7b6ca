// Takes the destination's write lock for a claim (held to the claim's commit, so the claims
// of several processes run one after another and never lease the same delivery), and reads
// its state as it is then.
MATCH (d:Destination {destination_id: $id})
SET d.claimed_at = datetime()
RETURN d {.*} AS destination, d.breaker_until IS NOT NULL AND d.breaker_until > datetime()
       AS breaker_open
