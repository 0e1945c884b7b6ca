// The deliveries of a destination being deleted, in batches, before the destination itself
// (destinations/delete_destination). Needs an auto-commit transaction.
MATCH (x:Delivery)
USING INDEX x:Delivery(destination_id, state, next_at)
WHERE x.destination_id = $id AND x.state IN ['pending', 'delivered', 'dead']
  AND x.next_at IS NOT NULL
CALL (x) { DELETE x } IN TRANSACTIONS OF 5000 ROWS
RETURN count(*) AS deleted
