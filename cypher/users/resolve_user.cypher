// The profile an id names now: its own user_id, a userId/anonymousId that was merged in, or
// the SHA-256 of a normalized e-mail address (hex, optionally prefixed 'sha256:').
WITH $id AS id
:include fragments/profile_by_id
OPTIONAL MATCH (:Identity {kind: 'email_sha256',
                           value: CASE WHEN $id STARTS WITH 'sha256:' THEN substring($id, 7)
                                       ELSE $id END})-[:IDENTIFIES]->(by_email:User)
WITH coalesce(u, by_email) AS u
WHERE u IS NOT NULL
RETURN u.user_id AS user_id
