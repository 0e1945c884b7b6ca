// Which of $segment_ids name a saved segment (rules may only name existing ones).
UNWIND $segment_ids AS sid
MATCH (s:Segment {segment_id: sid}) WHERE s.definition IS NOT NULL
RETURN collect(s.segment_id) AS known
