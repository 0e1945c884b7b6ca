// Every delivery of a deleted destination, in batches. Needs an auto-commit transaction.
MATCH (x:Delivery {destination_id: $id})
CALL (x) { DELETE x } IN TRANSACTIONS OF 5000 ROWS
RETURN count(*) AS deleted
