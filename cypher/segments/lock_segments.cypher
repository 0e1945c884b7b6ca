// Write-locks the segments a placement, experiment or destination is about to name, so a
// concurrent DELETE of one (segments/lock_segment) cannot slip between the check that it
// exists (segments/list_live_segments, after this, in the same transaction) and the save.
UNWIND $segment_ids AS sid
MATCH (s:Segment {segment_id: sid})
SET s._lock = true
REMOVE s._lock
RETURN count(s) AS locked
