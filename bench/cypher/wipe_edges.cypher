// bench/live.py --wipe, step 1, run until it deletes nothing: a batch of relationships.
// Edges go first and in short transactions of their own: a popular item's or a busy
// shopper's edges deleted with the node can exceed the transaction memory pool, and one
// statement over a large store outlasts the transaction timeout.
MATCH ()-[r]->()
WITH r LIMIT $batch
DELETE r
RETURN count(*) AS deleted
