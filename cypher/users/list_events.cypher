// One page of a user's timeline, newest first; keyset cursor on (ts, event_id).
MATCH (:User {user_id: $user_id})-[:PERFORMED]->(e:Event)
WHERE ($type IS NULL OR e.type = $type)
  AND ($since IS NULL OR e.ts >= $since)
  AND ($until IS NULL OR e.ts < $until)
  AND ($cursor_ts IS NULL OR e.ts < $cursor_ts
       OR (e.ts = $cursor_ts AND e.event_id < $cursor_id))
WITH e
ORDER BY e.ts DESC, e.event_id DESC
LIMIT $limit
OPTIONAL MATCH (e)-[on:ON]->(i:Item)
WITH e, collect(CASE WHEN i IS NULL THEN null ELSE
        {item_id: i.item_id, quantity: on.quantity, price: on.price, position: on.position}
     END) AS items
RETURN e.event_id AS event_id, e.type AS type, e.name AS name, e.ts AS ts,
       e.received_at AS received_at, e.properties_json AS properties_json, items
ORDER BY ts DESC, event_id DESC
