// One placement's current version and the numbers of all its versions.
MATCH (p:Placement {placement_id: $placement_id})
RETURN p.placement_id AS placement_id, p.name AS name, p.version AS version,
       p.definition AS definition, p.created_at AS created_at, p.updated_at AS updated_at,
       COLLECT { MATCH (p)-[:HAS_VERSION]->(v:PlacementVersion)
                 RETURN v.version ORDER BY v.version } AS versions
