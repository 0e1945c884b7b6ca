// Leased deliveries that were not sent (a profile's chain stops at its first failure): back
// to the queue as they were. $released: [{id, eid}] as in destinations/finish_deliveries.
UNWIND $released AS r
MATCH (x:Delivery)
WHERE elementId(x) = r.eid AND x.delivery_id = r.id AND x.lease_owner = $owner
SET x.lease_owner = null, x.lease_until = null, x.next_at = datetime()
