// Which of $ids name saved segments (a subscription to an unknown segment is a typo; one
// being deleted is gone).
MATCH (s:Segment) WHERE s.segment_id IN $ids AND s.definition IS NOT NULL
RETURN collect(s.segment_id) AS found
