// The profile an id names now: its own user_id, or a userId/anonymousId that was merged in.
OPTIONAL MATCH (direct:User {user_id: $id})
OPTIONAL MATCH (:Identity {kind: 'user_id', value: $id})-[:IDENTIFIES]->(by_uid:User)
OPTIONAL MATCH (:Identity {kind: 'anonymous_id', value: $id})-[:IDENTIFIES]->(by_anon:User)
WITH coalesce(direct, by_uid, by_anon) AS u
WHERE u IS NOT NULL
RETURN u.user_id AS user_id
