// A new version of a segment: the current state on (:Segment), every version kept.
MERGE (s:Segment {segment_id: $segment_id})
ON CREATE SET s.created_at = $now
// Write-lock the node before reading the version, so concurrent uploads number apart. A
// segment being deleted (app/segments/deletion.py) is not revived: no row.
SET s._lock = true
REMOVE s._lock
WITH s
WHERE s.deleting_at IS NULL
SET s.version = coalesce(s.version, 0) + 1,
    s.name = $name, s.definition = $definition, s.compiled_cypher = $compiled_cypher,
    s.updated_at = $now
CREATE (s)-[:HAS_VERSION]->(v:SegmentVersion {segment_id: $segment_id, version: s.version,
                                              definition: $definition,
                                              compiled_cypher: $compiled_cypher,
                                              created_at: $now})
RETURN s.version AS version
