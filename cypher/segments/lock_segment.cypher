// Write-locks one segment before anything is read about who refers to it: a placement,
// experiment or destination saved meanwhile locks the segments it names first
// (segments/lock_segments), so it either commits before this (and is seen) or waits and
// then finds the segment being deleted. No row when there is no such segment.
MATCH (s:Segment {segment_id: $segment_id})
SET s._lock = true
REMOVE s._lock
RETURN s.segment_id AS segment_id
