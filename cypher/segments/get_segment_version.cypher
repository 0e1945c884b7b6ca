MATCH (:Segment {segment_id: $segment_id})-[:HAS_VERSION]->(v:SegmentVersion {version: $version})
RETURN v.segment_id AS segment_id, v.version AS version, v.definition AS definition,
       v.compiled_cypher AS compiled_cypher, v.created_at AS created_at
