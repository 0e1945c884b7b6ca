CREATE CONSTRAINT neo4j_migrations_lock_name IF NOT EXISTS
FOR (l:__Neo4jMigrationsLock) REQUIRE l.name IS UNIQUE
