// Delivered deliveries kept per destination (the destinations' answers; not a gauge).
MATCH (d:Destination)
WHERE $ids IS NULL OR d.destination_id IN $ids
RETURN d.destination_id AS destination_id,
       COUNT { MATCH (x:Delivery)
               USING INDEX x:Delivery(destination_id, state, next_at)
               WHERE x.destination_id = d.destination_id AND x.state = 'delivered'
                 AND x.next_at IS NOT NULL } AS delivered
