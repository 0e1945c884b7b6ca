// Which of $ids name existing segments (a subscription to an unknown segment is a typo).
MATCH (s:Segment) WHERE s.segment_id IN $ids
RETURN collect(s.segment_id) AS found
