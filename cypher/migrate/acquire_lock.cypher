// Fails with a constraint violation while another runner holds the lock.
CREATE (l:__Neo4jMigrationsLock {id: $id, name: 'profilegraph-migrations', owner: $owner, at: datetime()})
RETURN l.id AS id
