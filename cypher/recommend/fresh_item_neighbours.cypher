// Items added after the model was built ($since), each with the items that the same
// consented shoppers interacted with (co-interactions, counted) and a few items of its own
// category, the oldest first (those the model most likely holds): the graph neighbourhood a
// new item's vector is derived from (serving keeps the neighbours the model holds).
// Params: $since (DateTime), $limit (items), $shoppers (per item), $neighbours, $peers.
MATCH (i:Item)
WHERE i.created_at > $since
WITH i ORDER BY i.created_at DESC LIMIT $limit
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
RETURN i.item_id AS item_id, i.category AS category, neighbours, peers
