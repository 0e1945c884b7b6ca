// Placements whose current definition may name $segment_id (a substring test narrows the
// read; the service walks each definition's rules for the exact references).
MATCH (p:Placement)
WHERE p.definition CONTAINS $segment_id
RETURN p.placement_id AS placement_id, p.definition AS definition
ORDER BY placement_id
