// One page of profiles in user_id order after $after, each with whether personalization
// consent allows predictions ($opt_out: no consent edge counts as granted) and, only then,
// its behavioural events up to $anchor as [epoch ms, type, revenue] (revenue: the order's
// `revenue`, else `total`, else the sum of its lines; 0 for other events).
MATCH (u:User) WHERE u.user_id > $after
WITH u ORDER BY u.user_id LIMIT $limit
OPTIONAL MATCH (u)-[c:CONSENTED]->(:Purpose {name: 'personalization'})
WITH u, coalesce(c.status = 'granted', $opt_out) AS allowed
RETURN u.user_id AS user_id, allowed,
       CASE WHEN allowed THEN COLLECT {
         MATCH (u)-[:PERFORMED]->(e:Event) WHERE e.ts <= $anchor
         RETURN [e.ts.epochMillis, e.type,
                 CASE WHEN e.type = 'order_completed'
                      THEN coalesce(toFloat(e.p_revenue), toFloat(e.p_total),
                                    reduce(s = 0.0, x IN [(e)-[o:ON]->() |
                                           coalesce(o.price, 0.0) * coalesce(o.quantity, 1)]
                                           | s + x))
                      ELSE 0.0 END]
       } ELSE [] END AS events
