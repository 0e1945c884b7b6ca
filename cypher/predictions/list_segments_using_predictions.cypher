// Saved segments and their definitions (the job refreshes those that test a predicted trait
// or the cluster after writing new values).
MATCH (s:Segment) WHERE s.definition IS NOT NULL
RETURN s.segment_id AS segment_id, s.definition AS definition
