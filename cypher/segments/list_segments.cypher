MATCH (s:Segment)
WHERE s.definition IS NOT NULL
RETURN s.segment_id AS segment_id, s.name AS name, s.version AS version,
       s.definition AS definition, s.compiled_cypher AS compiled_cypher,
       s.created_at AS created_at, s.updated_at AS updated_at,
       COUNT { (s)<-[:IN_SEGMENT]-(:User) } AS size
ORDER BY segment_id
