// The applied chain in the neo4j-migrations format, oldest first.
MATCH p = (:__Neo4jMigration {version: 'BASELINE'})-[:MIGRATED_TO*]->(m:__Neo4jMigration)
WITH m, length(p) AS position, last(relationships(p)) AS r
RETURN m.version AS version, m.description AS description, m.checksum AS checksum,
       m.source AS source, toString(r.at) AS installed_on, r.by AS installed_by
ORDER BY position
