// Funnel over the last $days days of the store's events (up to the newest event stored, not
// the clock: an imported history can be years old): users who viewed a product, then added
// one to the cart, then completed an order (each step after the previous one).
// params: {"days": 30}
// The newest event from the end of the ts index (the hint: with stale statistics the
// planner scanned every event for it instead).
CALL () {
  MATCH (last:Event) USING INDEX last:Event(ts) WHERE last.ts IS NOT NULL
  RETURN last.ts AS newest ORDER BY last.ts DESC LIMIT 1
}
// One index seek over the window's three event types, one step to each event's user and one
// aggregation: the cost follows the window's events, never the viewers' whole histories.
// The hint keeps that plan when the statistics are stale (a scan of every event otherwise).
MATCH (e:Event)
USING INDEX e:Event(type, ts)
WHERE e.type IN ['product_viewed', 'product_added', 'order_completed']
  AND e.ts >= newest - duration({days: $days})
WITH e, e.type AS type, e.ts AS ts
MATCH (u)-[:PERFORMED]->(e)
WITH u, min(CASE WHEN type = 'product_viewed' THEN ts END) AS first_view,
     collect(CASE WHEN type = 'product_added' THEN ts END) AS adds,
     collect(CASE WHEN type = 'order_completed' THEN ts END) AS orders
WHERE first_view IS NOT NULL
WITH orders, reduce(first = null, t IN [t IN adds WHERE t >= first_view] |
                    CASE WHEN first IS NULL OR t < first THEN t ELSE first END) AS first_add
WITH count(*) AS viewed, count(first_add) AS added,
     count(CASE WHEN any(t IN orders WHERE t >= first_add) THEN 1 END) AS purchased
RETURN viewed, added, purchased,
       CASE WHEN viewed = 0 THEN 0.0 ELSE round(1.0 * added / viewed, 4) END AS view_to_cart,
       CASE WHEN added = 0 THEN 0.0 ELSE round(1.0 * purchased / added, 4) END AS cart_to_purchase
