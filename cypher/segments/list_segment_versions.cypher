MATCH (:Segment {segment_id: $segment_id})-[:HAS_VERSION]->(v:SegmentVersion)
RETURN v.version AS version, v.created_at AS created_at
ORDER BY version
