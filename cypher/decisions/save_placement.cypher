// A new version of a placement: the current state on (:Placement), every version kept.
MERGE (p:Placement {placement_id: $placement_id})
ON CREATE SET p.created_at = $now
// Write-lock the node before reading the version, so concurrent uploads number apart.
SET p._lock = true
WITH p
SET p.version = coalesce(p.version, 0) + 1,
    p.name = $name, p.definition = $definition, p.updated_at = $now
REMOVE p._lock
CREATE (p)-[:HAS_VERSION]->(:PlacementVersion {placement_id: $placement_id,
                                               version: p.version, definition: $definition,
                                               created_at: $now})
RETURN p.version AS version
