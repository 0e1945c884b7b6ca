// One page of members in user_id order, after the cursor.
MATCH (s:Segment {segment_id: $segment_id})<-[r:IN_SEGMENT]-(u:User)
WHERE $after IS NULL OR u.user_id > $after
RETURN u.user_id AS user_id, r.since AS since
ORDER BY user_id
LIMIT $limit
