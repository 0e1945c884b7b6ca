// Whether the destination has a pending delivery due now: read before a claim takes the
// destination's lock, so an idle worker writes nothing.
MATCH (x:Delivery {destination_id: $id, state: 'pending'})
WHERE x.next_at <= datetime()
RETURN x.delivery_id AS id
LIMIT 1
