// Up to $limit of one segment's membership-history records recorded before $cutoff_ms
// (epoch milliseconds; those recorded in that same millisecond are kept).
MATCH (:Segment {segment_id: $segment_id})-[:MEMBERSHIP_CHANGED]->(m)
WHERE m.at.epochMillis < $cutoff_ms
WITH m LIMIT $limit
DETACH DELETE m
RETURN count(*) AS deleted
