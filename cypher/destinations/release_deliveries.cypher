// Leased deliveries that were not sent (a profile's chain stops at its first failure): back
// to the queue as they were.
UNWIND $ids AS id
MATCH (x:Delivery {delivery_id: id})
WHERE x.lease_owner = $owner
SET x.lease_owner = null, x.lease_until = null, x.next_at = datetime()
