// The deliveries of a destination being deleted, in batches, before the destination itself
// (destinations/delete_destination). Needs an auto-commit transaction.
MATCH (x:Delivery {destination_id: $id})
CALL (x) { DELETE x } IN TRANSACTIONS OF 5000 ROWS
RETURN count(*) AS deleted
