// Item pairs bought by the same customers most often: for two items, the customers who
// ordered both (in any orders, all time), top $limit. Exact, without pairing every item of
// every customer (hundreds each on a wholesale history: millions of pairs): a pair's buyers
// are at most either item's, so once the pairs among the $candidates most bought items give
// a bound (the $limit-th best count), only items with at least that many buyers can be in
// the answer, and only their pairs are counted. `candidates` changes the cost, never the
// answer.
// params: {"limit": 20, "candidates": 60}
MATCH (i:Item)<-[:ON]-(:Event {type: 'order_completed'})<-[:PERFORMED]-(u:User)
WITH i, count(DISTINCT u) AS buyers
ORDER BY buyers DESC
WITH collect({item: i, buyers: buyers}) AS ranked
CALL (ranked) {
  UNWIND ranked[..$candidates] AS r
  WITH r.item AS i
  MATCH (i)<-[:ON]-(e:Event {type: 'order_completed'})
  WITH e, collect(i.item_id) AS lines
  MATCH (e)<-[:PERFORMED]-(u:User)
  UNWIND lines AS id
  WITH u, collect(DISTINCT id) AS ids
  UNWIND ids AS a
  UNWIND ids AS b
  WITH a, b WHERE a < b
  WITH a, b, count(*) AS n
  ORDER BY n DESC
  LIMIT $limit
  RETURN CASE WHEN count(*) < $limit THEN 1 ELSE min(n) END AS bound
}
UNWIND [r IN ranked WHERE r.buyers >= bound | r.item] AS i
MATCH (i)<-[:ON]-(e:Event {type: 'order_completed'})
WITH e, collect(i.item_id) AS lines
MATCH (e)<-[:PERFORMED]-(u:User)
UNWIND lines AS id
WITH u, collect(DISTINCT id) AS ids
UNWIND ids AS a
UNWIND ids AS b
WITH a, b WHERE a < b
WITH a, b, count(*) AS buyers
ORDER BY buyers DESC, a, b
LIMIT $limit
MATCH (ia:Item {item_id: a}), (ib:Item {item_id: b})
RETURN a AS item_a, ia.title AS title_a, b AS item_b, ib.title AS title_b, buyers
ORDER BY buyers DESC, item_a, item_b
