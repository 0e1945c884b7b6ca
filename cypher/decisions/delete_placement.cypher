// A placement and its versions. Exposures served from it stay (they hold no link to it).
MATCH (p:Placement {placement_id: $placement_id})
OPTIONAL MATCH (p)-[:HAS_VERSION]->(v:PlacementVersion)
WITH p, collect(v) AS versions
FOREACH (v IN versions | DETACH DELETE v)
DETACH DELETE p
RETURN count(*) AS deleted
