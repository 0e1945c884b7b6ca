// bench/live.py --wipe, step 2, run until it deletes nothing: a batch of the store's nodes
// (the migration history and the consent purposes stay).
MATCH (n) WHERE NOT (n:__Neo4jMigration OR n:__Neo4jMigrationsLock OR n:Purpose)
WITH n LIMIT $batch
DETACH DELETE n
RETURN count(*) AS deleted
