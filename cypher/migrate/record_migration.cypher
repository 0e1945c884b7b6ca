// Append one applied migration to the end of the MIGRATED_TO chain.
MERGE (baseline:__Neo4jMigration {version: 'BASELINE'})
WITH baseline
OPTIONAL MATCH (baseline)-[:MIGRATED_TO*]->(tail:__Neo4jMigration)
WHERE NOT (tail)-[:MIGRATED_TO]->()
WITH coalesce(tail, baseline) AS previous
CREATE (previous)-[:MIGRATED_TO {
  at: datetime(), in: duration({milliseconds: $in_ms}), by: $by, connectedAs: $connected_as
}]->(:__Neo4jMigration {
  version: $version, description: $description, checksum: $checksum,
  type: 'CYPHER', source: $source, repeatable: false
})
