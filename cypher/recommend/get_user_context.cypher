// What serving needs about one user in a single round trip: the profile the id names now
// (own user_id, or a userId/anonymousId merged into it), the personalization consent edge,
// and, only when that consent allows it, the most recent item interactions (with their time,
// for recency weights) and the user's segments. Without it nothing of the history is read.
// Each history entry is a list [item_id, event type, ts in epoch ms, item title]: a map
// would repeat its four keys on every event of every request. `seen` and `bought` are every
// item the shopper ever interacted with / bought (not only the recent history): what a list
// leaves out. The history's sort reads every event of the shopper anyway, so they cost one
// more pass over the same events, no more.
// Params: $id, $history_limit, $opt_out (true: no consent edge counts as granted).
:include fragments/profile_by_id
WHERE u IS NOT NULL
OPTIONAL MATCH (u)-[c:CONSENTED]->(:Purpose {name: 'personalization'})
WITH u, c.status AS consent,
     coalesce(c.status = 'granted', $opt_out) AS allowed
CALL (u, allowed) {
  WITH u WHERE allowed
  MATCH (u)-[:PERFORMED]->(e:Event)-[:ON]->(i:Item)
  WITH i, e ORDER BY e.ts DESC LIMIT $history_limit
  RETURN collect([i.item_id, e.type, e.ts.epochMillis, i.title]) AS history
}
CALL (u, allowed) {
  WITH u WHERE allowed
  MATCH (u)-[:PERFORMED]->(e:Event)-[:ON]->(i:Item)
  WITH i.item_id AS item_id, max(CASE e.type WHEN 'order_completed' THEN 1 ELSE 0 END) AS b
  RETURN collect(item_id) AS seen, collect(CASE b WHEN 1 THEN item_id END) AS bought
}
CALL (u, allowed) {
  WITH u WHERE allowed
  MATCH (u)-[:IN_SEGMENT]->(s:Segment)
  RETURN collect(s.segment_id) AS segments
}
RETURN u.user_id AS user_id, consent, history, segments, seen, bought
