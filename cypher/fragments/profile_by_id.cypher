// Shared prefix, never run alone: statements take it in with the line
// `:include fragments/profile_by_id` (app/db/queries.py), after binding the id as `id`
// (`WITH $id AS id` for one, `UNWIND $ids AS id` for several read together). The profile
// the id names now, as `u` (null when none), beside `id`: its own user_id, a
// userId/anonymousId merged into it, or the id an anonymous profile had before it merged or
// was identified (`anon:<anonymousId>`, the `from_user_id` its merge record shows: the
// anonymousId's identity moved with it).
OPTIONAL MATCH (direct:User {user_id: id})
OPTIONAL MATCH (:Identity {kind: 'user_id', value: id})-[:IDENTIFIES]->(by_uid:User)
OPTIONAL MATCH (:Identity {kind: 'anonymous_id', value: id})-[:IDENTIFIES]->(by_anon:User)
OPTIONAL MATCH (:Identity {kind: 'anonymous_id', value: substring(id, 5)})
               -[:IDENTIFIES]->(by_old_id:User)
  WHERE id STARTS WITH 'anon:'
WITH id, coalesce(direct, by_uid, by_anon, by_old_id) AS u
