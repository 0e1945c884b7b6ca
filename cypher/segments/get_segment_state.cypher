// Whether a segment is live (saved, not being deleted); no row when there is no such node.
MATCH (s:Segment {segment_id: $segment_id})
RETURN s.definition IS NOT NULL AND s.deleting_at IS NULL AS live
