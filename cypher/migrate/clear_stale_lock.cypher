// A runner that died keeps its lock; one older than $stale_s seconds is removed.
MATCH (l:__Neo4jMigrationsLock {name: 'profilegraph-migrations'})
WHERE l.at < datetime() - duration({seconds: $stale_s})
DELETE l
RETURN count(*) AS cleared
