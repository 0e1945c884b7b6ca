// The profile an id names now: its own user_id, a userId/anonymousId that was merged in, or
// the SHA-256 of a normalized e-mail address (hex, optionally prefixed 'sha256:').
OPTIONAL MATCH (direct:User {user_id: $id})
OPTIONAL MATCH (:Identity {kind: 'user_id', value: $id})-[:IDENTIFIES]->(by_uid:User)
OPTIONAL MATCH (:Identity {kind: 'anonymous_id', value: $id})-[:IDENTIFIES]->(by_anon:User)
OPTIONAL MATCH (:Identity {kind: 'email_sha256',
                           value: CASE WHEN $id STARTS WITH 'sha256:' THEN substring($id, 7)
                                       ELSE $id END})-[:IDENTIFIES]->(by_email:User)
WITH coalesce(direct, by_uid, by_anon, by_email) AS u
WHERE u IS NOT NULL
RETURN u.user_id AS user_id
