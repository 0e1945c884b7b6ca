// Every placement's current version, by id.
MATCH (p:Placement)
RETURN p.placement_id AS placement_id, p.name AS name, p.version AS version,
       p.definition AS definition, p.created_at AS created_at, p.updated_at AS updated_at
ORDER BY placement_id
