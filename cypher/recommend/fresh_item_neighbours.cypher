// One keyset page of the items added after the model was built ($since), in (created_at,
// item_id) order after ($after_at, $after_id), each with the items that the same consented
// shoppers interacted with (co-interactions, counted) and a few items of its own category,
// the oldest first (those the model most likely holds): the graph neighbourhood a new item's
// vector is derived from (serving keeps the neighbours the model holds). Pages keep each
// transaction short whatever the number of new items (app/recommend/fresh_items.py).
// Params: $since (DateTime), $after_at (DateTime, $since on the first page), $after_id
//         (string, '' on the first page), $limit (items), $shoppers (per item), $neighbours,
//         $peers.
MATCH (i:Item)
WHERE i.created_at > $since AND NOT i:NonProduct
  AND (i.created_at > $after_at OR (i.created_at = $after_at AND i.item_id > $after_id))
WITH i ORDER BY i.created_at, i.item_id LIMIT $limit
CALL (i) {
  MATCH (i)<-[:ON]-(:Event)<-[:PERFORMED]-(u:User)
  WHERE EXISTS { (u)-[c:CONSENTED]->(:Purpose {name: 'personalization'}) WHERE c.status = 'granted' }
  WITH DISTINCT u LIMIT $shoppers
  MATCH (u)-[:PERFORMED]->(:Event)-[:ON]->(j:Item)
  WHERE j <> i
  WITH j, count(DISTINCT u) AS n ORDER BY n DESC, j.item_id LIMIT $neighbours
  RETURN collect({item_id: j.item_id, n: n}) AS neighbours
}
CALL (i) {
  MATCH (j:Item {category: i.category})
  WHERE j <> i
  WITH j ORDER BY j.created_at, j.item_id LIMIT $peers
  RETURN collect(j.item_id) AS peers
}
RETURN i.item_id AS item_id, i.category AS category, i.created_at AS created_at, neighbours,
       peers
ORDER BY created_at, item_id
