// A destination's most recent deliveries, newest first, optionally in one state.
MATCH (x:Delivery {destination_id: $id})
WHERE $state IS NULL OR x.state = $state
RETURN x {.*} AS delivery
ORDER BY x.created_at DESC, x.seq DESC
LIMIT $limit
