// A small picture of one user's neighbourhood: the items of their latest events and, for
// each item, a bounded number of other users who touched it too.
MATCH (u:User {user_id: $user_id})
CALL (u) {
  MATCH (u)-[:PERFORMED]->(e:Event)-[:ON]->(i:Item)
  WITH i, e ORDER BY e.ts DESC LIMIT $event_limit
  WITH i, count(e) AS weight ORDER BY weight DESC, i.item_id LIMIT $item_limit
  // an aggregate without grouping keys: one row even for a shopper with no item events
  RETURN collect({item_id: i.item_id, title: i.title, weight: weight}) AS items
}
WITH u, items
CALL (u, items) {
  UNWIND items AS it
  CALL (u, it) {
    MATCH (:Item {item_id: it.item_id})<-[:ON]-(:Event)<-[:PERFORMED]-(other:User)
    WHERE other <> u
    RETURN DISTINCT other LIMIT $per_item
  }
  WITH other, collect(it.item_id) AS shared
  RETURN collect({user_id: other.user_id, shared: shared})[..$neighbour_limit] AS neighbours
}
RETURN items, neighbours
