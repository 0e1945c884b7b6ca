// Delivered deliveries kept per destination (the destinations' answers; not a gauge).
MATCH (d:Destination)
WHERE $ids IS NULL OR d.destination_id IN $ids
RETURN d.destination_id AS destination_id,
       COUNT { (x:Delivery {destination_id: d.destination_id, state: 'delivered'}) }
         AS delivered
