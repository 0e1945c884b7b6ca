// Segment entries and exits of a profile and the profiles merged into it (GDPR export).
MATCH (s:Segment)-[:MEMBERSHIP_CHANGED]->(m:MembershipChange)
WHERE m.user_id IN $user_ids
RETURN s.segment_id AS segment_id, m.user_id AS user_id, m.change AS change, m.at AS at
ORDER BY at, segment_id
