MATCH (u:User {user_id: $user_id})
OPTIONAL MATCH (u)-[r:IN_SEGMENT]->(s:Segment)
WHERE s.definition IS NOT NULL
RETURN u.user_id AS user_id,
       [x IN collect({segment_id: s.segment_id, name: s.name, since: r.since})
        WHERE x.segment_id IS NOT NULL] AS segments
