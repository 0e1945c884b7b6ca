// Items ranked by how many distinct users interacted with them since $since (null: all time),
// purchases counting more than carts and views. Optionally one category. Items labelled
// :NonProduct (postage, fees: items/record_non_products; or an item set `recommendable:
// false` on /v1/items) are never listed.
MATCH (e:Event)-[:ON]->(i:Item)
WHERE e.type IN ['product_viewed', 'product_added', 'order_completed']
  AND ($since IS NULL OR e.ts >= $since)
  AND NOT i:NonProduct
  AND ($category IS NULL OR i.category = $category)
MATCH (u:User)-[:PERFORMED]->(e)
WITH i, u, max(CASE e.type WHEN 'order_completed' THEN 3.0 WHEN 'product_added' THEN 2.0 ELSE 1.0 END) AS w
WITH i, sum(w) AS score
ORDER BY score DESC, i.item_id
LIMIT $limit
RETURN i.item_id AS item_id, i.title AS title, i.category AS category, score
