// The segment, its versions, memberships and membership history.
MATCH (s:Segment {segment_id: $segment_id})
OPTIONAL MATCH (s)-[:HAS_VERSION|MEMBERSHIP_CHANGED]->(n)
WITH s, collect(n) AS owned
FOREACH (n IN owned | DETACH DELETE n)
DETACH DELETE s
RETURN count(*) AS deleted
