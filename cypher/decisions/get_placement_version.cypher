// One stored version of a placement.
MATCH (:Placement {placement_id: $placement_id})-[:HAS_VERSION]->(v:PlacementVersion {version: $version})
RETURN v.placement_id AS placement_id, v.version AS version, v.definition AS definition,
       v.created_at AS created_at
