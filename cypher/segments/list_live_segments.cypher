// Which of $segment_ids name a saved segment that is not being deleted.
UNWIND $segment_ids AS sid
MATCH (s:Segment {segment_id: sid})
WHERE s.definition IS NOT NULL AND s.deleting_at IS NULL
RETURN collect(s.segment_id) AS live
