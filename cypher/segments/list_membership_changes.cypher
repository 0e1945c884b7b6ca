MATCH (:Segment {segment_id: $segment_id})-[:MEMBERSHIP_CHANGED]->(m:MembershipChange)
WHERE $user_id IS NULL OR m.user_id = $user_id
RETURN m.user_id AS user_id, m.change AS change, m.at AS at
ORDER BY at DESC, user_id
LIMIT $limit
