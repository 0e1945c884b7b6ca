// A destination's most recent deliveries, newest first, optionally in one state: read from
// delivery_created in order, newest first, until $limit match (no sort of the kept ones).
MATCH (x:Delivery)
USING INDEX x:Delivery(created_at)
WHERE x.created_at IS NOT NULL AND x.destination_id = $id
  AND ($state IS NULL OR x.state = $state)
RETURN x {.*} AS delivery
ORDER BY x.created_at DESC, x.seq DESC
LIMIT $limit
