// One page of a segment's change feed, newest first, after the cursor: the order is total
// (at descending, then user_id, then the record's elementId), so paging repeats and skips
// nothing. The cursor's time travels as the string Neo4j wrote (toString keeps every digit
// of the stored time, which a driver datetime may round).
MATCH (:Segment {segment_id: $segment_id})-[:MEMBERSHIP_CHANGED]->(m:MembershipChange)
WHERE ($user_id IS NULL OR m.user_id = $user_id)
  AND ($after_at IS NULL OR m.at < datetime($after_at)
       OR (m.at = datetime($after_at)
           AND (m.user_id > $after_user
                OR (m.user_id = $after_user AND elementId(m) > $after_id))))
WITH m, elementId(m) AS id
RETURN m.user_id AS user_id, m.change AS change, m.at AS at, toString(m.at) AS at_key,
       id AS record_id
ORDER BY m.at DESC, user_id, record_id
LIMIT $limit
