// Items ranked by how many members of one segment interacted with them since $since (null:
// all time), purchases counting more than carts and views: the fallback for a consented
// shopper without usable history who belongs to a segment. Members without personalization
// consent are not counted. Items labelled :NonProduct (postage, fees) are never listed.
MATCH (:Segment {segment_id: $segment_id})<-[:IN_SEGMENT]-(u:User)
WHERE EXISTS { (u)-[c:CONSENTED]->(:Purpose {name: 'personalization'}) WHERE c.status = 'granted' }
MATCH (u)-[:PERFORMED]->(e:Event)-[:ON]->(i:Item)
WHERE e.type IN ['product_viewed', 'product_added', 'order_completed']
  AND ($since IS NULL OR e.ts >= $since)
  AND NOT i:NonProduct
WITH i, u, max(CASE e.type WHEN 'order_completed' THEN 3.0 WHEN 'product_added' THEN 2.0 ELSE 1.0 END) AS w
WITH i, sum(w) AS score
ORDER BY score DESC, i.item_id
LIMIT $limit
RETURN i.item_id AS item_id, i.title AS title, i.category AS category, score
