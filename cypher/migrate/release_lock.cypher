MATCH (l:__Neo4jMigrationsLock {id: $id})
DELETE l
