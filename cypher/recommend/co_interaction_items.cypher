// Items chosen by the shoppers who chose the given ones: the live graph neighbourhood of a
// history the model cannot score (items newer than it, a store whose catalog changed). Up to
// $shoppers consented other shoppers per item; each item they interacted with counts once per
// shopper in common; `via` names the history item that brought it most often (the reason).
// Items labelled :NonProduct (postage, fees) neither lead to nor are chosen.
// Params: $items (history item ids, newest first), $user_id (left out), $types (event types
// that count), $shoppers, $limit.
UNWIND $items AS anchor_id
MATCH (i:Item {item_id: anchor_id})
WHERE NOT i:NonProduct
CALL (i) {
  MATCH (i)<-[:ON]-(:Event)<-[:PERFORMED]-(u:User)
  WHERE u.user_id <> $user_id
    AND EXISTS { (u)-[c:CONSENTED]->(:Purpose {name: 'personalization'}) WHERE c.status = 'granted' }
  WITH DISTINCT u LIMIT $shoppers
  MATCH (u)-[:PERFORMED]->(e:Event)-[:ON]->(j:Item)
  WHERE j <> i AND e.type IN $types AND NOT j:NonProduct
  RETURN j, count(DISTINCT u) AS n
}
WITH j, sum(n) AS score, collect([i.item_id, n]) AS via
WHERE NOT j.item_id IN $items
ORDER BY score DESC, j.item_id
LIMIT $limit
RETURN j.item_id AS item_id, j.title AS title, j.category AS category, score, via
