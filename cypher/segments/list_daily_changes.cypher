// Entries and exits per segment and day since $since (all segments when $segment_id is null).
MATCH (s:Segment)-[:MEMBERSHIP_CHANGED]->(m:MembershipChange)
WHERE ($segment_id IS NULL OR s.segment_id = $segment_id) AND m.at >= $since
RETURN s.segment_id AS segment_id, date(m.at) AS day,
       sum(CASE m.change WHEN 'entered' THEN 1 ELSE 0 END) AS entered,
       sum(CASE m.change WHEN 'exited' THEN 1 ELSE 0 END) AS exited
ORDER BY segment_id, day
