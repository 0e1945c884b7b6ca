// Segments whose membership an ingest change can alter: any dependency key in common.
MATCH (s:Segment)
WHERE s.definition IS NOT NULL AND any(k IN s.depends_on WHERE k IN $keys)
RETURN s.segment_id AS segment_id, s.version AS version, s.definition AS definition,
       s.depends_on AS depends_on
