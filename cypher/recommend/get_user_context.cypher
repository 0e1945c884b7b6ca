// What serving needs about one user in a single round trip: the profile the id names now
// (own user_id, or a userId/anonymousId merged into it), the personalization consent edge,
// and the most recent item interactions.
OPTIONAL MATCH (direct:User {user_id: $id})
OPTIONAL MATCH (:Identity {kind: 'user_id', value: $id})-[:IDENTIFIES]->(by_uid:User)
OPTIONAL MATCH (:Identity {kind: 'anonymous_id', value: $id})-[:IDENTIFIES]->(by_anon:User)
WITH coalesce(direct, by_uid, by_anon) AS u
WHERE u IS NOT NULL
OPTIONAL MATCH (u)-[c:CONSENTED]->(:Purpose {name: 'personalization'})
CALL (u) {
  MATCH (u)-[:PERFORMED]->(e:Event)-[:ON]->(i:Item)
  WITH i, e ORDER BY e.ts DESC LIMIT $history_limit
  RETURN collect({item_id: i.item_id, type: e.type, title: i.title, category: i.category}) AS history
}
RETURN u.user_id AS user_id, c.status AS consent, history
