// Funnel over the last $days days: users who viewed a product, then added one to the cart,
// then completed an order (each step after the previous one).
// params: {"days": 30}
WITH datetime() - duration({days: $days}) AS since
MATCH (u:User)-[:PERFORMED]->(v:Event {type: 'product_viewed'})
WHERE v.ts >= since
WITH u, since, min(v.ts) AS viewed
OPTIONAL CALL (u, since, viewed) {
  MATCH (u)-[:PERFORMED]->(a:Event {type: 'product_added'})
  WHERE a.ts >= viewed
  RETURN min(a.ts) AS added
}
OPTIONAL CALL (u, added) {
  MATCH (u)-[:PERFORMED]->(o:Event {type: 'order_completed'})
  WHERE added IS NOT NULL AND o.ts >= added
  RETURN count(o) > 0 AS purchased
}
WITH count(*) AS viewed, count(added) AS added, count(CASE WHEN purchased THEN 1 END) AS purchased
RETURN viewed, added, purchased,
       CASE WHEN viewed = 0 THEN 0.0 ELSE round(1.0 * added / viewed, 4) END AS view_to_cart,
       CASE WHEN added = 0 THEN 0.0 ELSE round(1.0 * purchased / added, 4) END AS cart_to_purchase
