// What serving needs about each of several users, one statement for the requests that
// arrive together (app.recommend.grouped_reads.py): the profile each id names now
// (fragments/profile_by_id: own user_id, a userId/anonymousId merged into it, or the id an
// anonymous profile had before it merged), the personalization consent edge, and,
// only when that consent allows it, the most recent item interactions (with their time, for
// recency weights) and the user's segments. Without it nothing of the history is read.
// Each history entry is a list [item_id, event type, ts in epoch ms, item title]: a map
// would repeat its four keys on every event of every request. `seen` and `bought` are every
// item the shopper ever interacted with / bought (not only the recent history): what a list
// leaves out; the history's sort reads every event of the shopper anyway, so they cost one
// more pass over the same events. Ids naming no profile return no row.
// The history part (history, seen, bought) is skipped (`warm`) when the caller holds the
// history of the profile the id names at the event count it has now ($known: id ->
// [user_id, event_count]; app/recommend/warm_histories.py): a count grows with every event
// stored on the profile, so an unchanged count is an unchanged history.
// Params: $ids (distinct), $history_limit, $opt_out (true: no consent edge counts as granted),
// $known.
UNWIND $ids AS id
:include fragments/profile_by_id
WHERE u IS NOT NULL
OPTIONAL MATCH (u)-[c:CONSENTED]->(:Purpose {name: 'personalization'})
WITH id, u, c.status AS consent,
     coalesce(c.status = 'granted', $opt_out) AS allowed,
     coalesce(u.event_count, 0) AS version
WITH id, u, consent, allowed, version,
     allowed AND coalesce($known[id] = [u.user_id, version], false) AS warm
CALL (u, allowed, warm) {
  WITH u WHERE allowed AND NOT warm
  MATCH (u)-[:PERFORMED]->(e:Event)-[:ON]->(i:Item)
  WITH i, e ORDER BY e.ts DESC LIMIT $history_limit
  RETURN collect([i.item_id, e.type, e.ts.epochMillis, i.title]) AS history
}
CALL (u, allowed, warm) {
  WITH u WHERE allowed AND NOT warm
  MATCH (u)-[:PERFORMED]->(e:Event)-[:ON]->(i:Item)
  WITH i.item_id AS item_id, max(CASE e.type WHEN 'order_completed' THEN 1 ELSE 0 END) AS b
  RETURN collect(item_id) AS seen, collect(CASE b WHEN 1 THEN item_id END) AS bought
}
CALL (u, allowed) {
  WITH u WHERE allowed
  MATCH (u)-[:IN_SEGMENT]->(s:Segment)
  RETURN collect(s.segment_id) AS segments
}
// With an experiment running ($experiment_id; null: none), what enrollment needs in the same
// round trip: the variant recorded for the shopper, and whether they are in its audience
// segment ($segment_id; null: everyone). Enrollment needs the consent that allows the
// segments to be read, so the audience is looked up in them.
OPTIONAL MATCH (u)-[a:ASSIGNED]->(:Experiment {experiment_id: $experiment_id})
RETURN id, u.user_id AS user_id, consent, history, segments, seen, bought, version, warm,
       a.variant AS variant,
       $segment_id IS NULL OR $segment_id IN segments AS in_audience
