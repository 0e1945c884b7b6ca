// The destination's circuit breaker after a claim's sends: any success closes it; otherwise
// the failures add up, and at $threshold in a row it opens for $open_ms (no claims until
// then; afterwards one delivery probes the target). One row: failures, breaker_open.
MATCH (d:Destination {destination_id: $id})
SET d.failures = CASE WHEN $succeeded > 0 THEN 0 ELSE coalesce(d.failures, 0) + $failed END
SET d.breaker_until = CASE
      WHEN $succeeded > 0 THEN null
      WHEN d.failures >= $threshold THEN datetime() + duration({milliseconds: $open_ms})
      ELSE d.breaker_until END
RETURN d.failures AS failures,
       d.breaker_until IS NOT NULL AND d.breaker_until > datetime() AS breaker_open
