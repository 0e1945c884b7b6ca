// User-item interaction weights for GNN training, users with granted
// `personalization` consent only (the CONSENTED edge is the current state).
// weight(u, i) = sum over u's events on i of type_weight[type] * 0.5^(age / half_life)
// event_ms: every event's time (epoch ms), for time carves and recency weights of the filter.
// Params: $purpose (string), $types (list of event types to use), $weights (map type -> float),
//         $as_of (DateTime: snapshot time, events after it are ignored),
//         $since (DateTime or null: oldest event to use), $half_life_s (float, seconds).
MATCH (u:User)
WHERE EXISTS {
  MATCH (u)-[c:CONSENTED]->(:Purpose {name: $purpose})
  WHERE c.status = 'granted'
}
MATCH (u)-[:PERFORMED]->(e:Event)-[:ON]->(i:Item)
WHERE e.type IN $types
  AND e.ts <= $as_of
  AND ($since IS NULL OR e.ts >= $since)
WITH u.user_id AS user_id,
     i.item_id AS item_id,
     $weights[e.type] * 0.5 ^ (toFloat($as_of.epochMillis - e.ts.epochMillis) / 1000.0 / $half_life_s) AS w,
     e.ts AS ts
RETURN user_id, item_id, sum(w) AS weight, count(*) AS events, max(ts).epochMillis AS last_ts_ms,
       collect(ts.epochMillis) AS event_ms
