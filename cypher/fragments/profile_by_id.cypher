// Shared prefix, never run alone: statements take it in with the line
// `:include fragments/profile_by_id` (app/db/queries.py). The profile an id names now, as
// `u` (null when none): its own user_id, or a userId/anonymousId merged into it. Param: $id.
OPTIONAL MATCH (direct:User {user_id: $id})
OPTIONAL MATCH (:Identity {kind: 'user_id', value: $id})-[:IDENTIFIES]->(by_uid:User)
OPTIONAL MATCH (:Identity {kind: 'anonymous_id', value: $id})-[:IDENTIFIES]->(by_anon:User)
WITH coalesce(direct, by_uid, by_anon) AS u
