// Segments whose deletion was started and not finished (resumed by the housekeeping job).
MATCH (s:Segment) WHERE s.deleting_at IS NOT NULL
RETURN s.segment_id AS segment_id ORDER BY s.deleting_at
