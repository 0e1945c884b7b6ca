// Item pairs bought by the same users most often (orders, all time), top $limit.
// params: {"limit": 20}
MATCH (u:User)-[:PERFORMED]->(:Event {type: 'order_completed'})-[:ON]->(i:Item)
WITH u, collect(DISTINCT i) AS items
UNWIND items AS a
UNWIND items AS b
WITH a, b, u WHERE a.item_id < b.item_id
RETURN a.item_id AS item_a, a.title AS title_a, b.item_id AS item_b, b.title AS title_b,
       count(DISTINCT u) AS buyers
ORDER BY buyers DESC, item_a, item_b
LIMIT $limit
