// Per shopper, variant and UTC day: exposures, and how many of them led to a click, an add
// to cart or an order, with the order revenue, for the results. Attribution, per exposure:
//  1. events carrying this exposure's recommendation_id in `properties`, sent by the exposed
//     shopper (an id passed on to someone else, a shared link, counts for nobody);
//  2. fallback for outcome events without one: the same shopper's event within
//     $fallback_ms after the exposure and before the shopper's next exposure in this
//     experiment; a click or add only when its item was in the exposed list, an order
//     whatever it holds (last-touch).
// An event is counted once per exposure; events of a merged-away profile moved with it.
MATCH (x:Exposure {experiment_id: $experiment_id})<-[:SAW]-(u:User)
WITH u, x ORDER BY x.at
WITH u, collect(x) AS seen
UNWIND range(0, size(seen) - 1) AS k
WITH u, seen[k] AS x,
     CASE WHEN k + 1 < size(seen) THEN seen[k + 1].at ELSE null END AS next_at
CALL (u, x) {
  OPTIONAL MATCH (e:Event {p_recommendation_id: x.recommendation_id})
  WHERE e.type IN $outcome_types AND (u)-[:PERFORMED]->(e)
  RETURN collect(e) AS direct
}
CALL (u, x, next_at) {
  OPTIONAL MATCH (u)-[:PERFORMED]->(e:Event)
  WHERE e.type IN $outcome_types AND e.p_recommendation_id IS NULL
    AND e.ts >= x.at AND e.ts < x.at + duration({milliseconds: $fallback_ms})
    AND (next_at IS NULL OR e.ts < next_at)
    AND (e.type = 'order_completed'
         OR EXISTS { (e)-[:ON]->(i:Item) WHERE i.item_id IN x.items })
  RETURN collect(e) AS fallback
}
WITH u, x, direct + fallback AS events
CALL (events) {
  UNWIND events AS e
  WITH e WHERE e.type = 'order_completed'
  OPTIONAL MATCH (e)-[o:ON]->()
  WITH e, sum(coalesce(o.price, 0.0) * coalesce(o.quantity, 1)) AS lines
  RETURN count(e) AS orders,
         sum(coalesce(toFloat(e.p_revenue), toFloat(e.p_total), lines)) AS revenue
}
WITH u, x, orders > 0 AS converted, revenue,
     any(e IN events WHERE e.type = 'product_clicked') AS clicked,
     any(e IN events WHERE e.type = 'product_added') AS added
RETURN x.variant AS variant, elementId(u) AS shopper, x.day AS day,
       count(*) AS exposures,
       sum(CASE WHEN clicked THEN 1 ELSE 0 END) AS clicks,
       sum(CASE WHEN added THEN 1 ELSE 0 END) AS adds,
       sum(CASE WHEN converted THEN 1 ELSE 0 END) AS conversions,
       sum(revenue) AS revenue
