// The first step of a deletion, one short transaction: the segment leaves every list, the
// dependency index and evaluation at once (its definition removed; deleting_at marks it, so
// the work that follows, in bounded transactions, resumes after a crash or on another
// process). No row when there is no such segment.
MATCH (s:Segment {segment_id: $segment_id})
WHERE s.definition IS NOT NULL OR s.deleting_at IS NOT NULL
SET s.deleting_at = coalesce(s.deleting_at, $now)
REMOVE s.definition, s.compiled_cypher, s.depends_on, s.time_dependent, s.references
RETURN s.segment_id AS segment_id
