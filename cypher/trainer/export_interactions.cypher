// User-item interactions for training, for one page of consented users
// (list_export_users.cypher). One row per (user, item): every event's time (epoch ms) and its
// type weight. The trainer anchors the window and the recency decay on the latest event it
// receives (the store's own "now", trainer/read_graph.py), so a history imported from years
// ago trains like a live one.
// Items labelled :NonProduct (postage, fees: items/record_non_products; or an item set
// `recommendable: false` on /v1/items) are no interactions.
// Params: $user_ids (list of user_id), $types (event types to use), $weights (map type ->
//         float), $until (DateTime: events stamped later are left out; the wall clock or a
//         fixed snapshot time, the same for every page).
UNWIND $user_ids AS id
MATCH (u:User {user_id: id})-[:PERFORMED]->(e:Event)-[:ON]->(i:Item)
WHERE e.type IN $types
  AND e.ts <= $until
  AND NOT i:NonProduct
RETURN u.user_id AS user_id, i.item_id AS item_id,
       collect(e.ts.epochMillis) AS event_ms, collect($weights[e.type]) AS event_w
