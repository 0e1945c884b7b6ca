// Manual replay: the destination's deliveries created in [$from, $to) and in one of $states
// go back to the queue, attempts reset, ids kept (receivers deduplicate by webhook-id). They
// keep their place in their profile's order (seq).
MATCH (x:Delivery)
USING INDEX x:Delivery(destination_id, state, next_at)
WHERE x.destination_id = $id AND x.state IN $states AND x.next_at IS NOT NULL AND x.created_at >= $from AND ($to IS NULL OR x.created_at < $to)
SET x.state = 'pending', x.attempts = 0, x.next_at = datetime(), x.replayed_at = datetime(),
    x.lease_until = null, x.lease_owner = null
RETURN count(x) AS requeued
