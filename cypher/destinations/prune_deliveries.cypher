// Delivered deliveries created before $before, in batches (dead ones stay until replayed or
// their destination is deleted). Needs an auto-commit transaction. One row: pruned.
MATCH (x:Delivery)
WHERE x.created_at < $before AND x.state = 'delivered'
CALL (x) { DELETE x } IN TRANSACTIONS OF 5000 ROWS
RETURN count(*) AS pruned
