// Merge profile $from into profile $to: every event, identity, consent, exposure and
// merge-record edge moves; the survivor's own consent, traits and experiment variants win;
// counters add up. Segment memberships of the merged profile are dropped (segments
// re-evaluate the survivor). Recorded as ProfileMerge.
MATCH (loser:User {user_id: $from}), (winner:User {user_id: $to})
CALL (loser, winner) {
  MATCH (loser)-[r:PERFORMED]->(e:Event)
  CREATE (winner)-[:PERFORMED]->(e)
  DELETE r
}
CALL (loser, winner) {
  MATCH (i:Identity)-[r:IDENTIFIES]->(loser)
  MERGE (i)-[:IDENTIFIES]->(winner)
  DELETE r
}
CALL (loser, winner) {
  MATCH (loser)-[r:CONSENTED]->(p:Purpose)
  WHERE NOT (winner)-[:CONSENTED]->(p)
  CREATE (winner)-[:CONSENTED {status: r.status, at: r.at, source: r.source}]->(p)
}
CALL (loser, winner) {
  MATCH (loser)-[r:CONSENT_CHANGED]->(n:ConsentChange)
  CREATE (winner)-[:CONSENT_CHANGED]->(n)
  DELETE r
}
// Exposures move with the person. Experiment assignments: the survivor (the identified
// profile later requests resolve to) keeps its variant; it inherits the merged profile's only
// in experiments it was not in, so the person keeps what they were shown.
CALL (loser, winner) {
  MATCH (loser)-[r:SAW]->(x:Exposure)
  MERGE (winner)-[:SAW]->(x)
  DELETE r
}
CALL (loser, winner) {
  MATCH (loser)-[r:ASSIGNED]->(exp:Experiment)
  WHERE NOT (winner)-[:ASSIGNED]->(exp)
  CREATE (winner)-[:ASSIGNED {variant: r.variant, at: r.at, inherited_from: $from}]->(exp)
}
CALL (loser, winner) {
  MATCH (loser)-[r:MERGED_FROM]->(n:ProfileMerge)
  CREATE (winner)-[:MERGED_FROM]->(n)
  DELETE r
}
WITH loser, winner, properties(loser) AS lp
SET winner.first_seen = CASE WHEN winner.first_seen IS NULL OR lp.first_seen < winner.first_seen
                             THEN lp.first_seen ELSE winner.first_seen END,
    winner.last_seen = CASE WHEN winner.last_seen IS NULL OR lp.last_seen > winner.last_seen
                            THEN lp.last_seen ELSE winner.last_seen END,
    winner.last_order_at = CASE WHEN winner.last_order_at IS NULL
                                  OR lp.last_order_at > winner.last_order_at
                                THEN lp.last_order_at ELSE winner.last_order_at END,
    winner.event_count = coalesce(winner.event_count, 0) + coalesce(lp.event_count, 0),
    winner.order_count = coalesce(winner.order_count, 0) + coalesce(lp.order_count, 0),
    winner.revenue_total = coalesce(winner.revenue_total, 0.0) + coalesce(lp.revenue_total, 0.0),
    winner.engagement_score = coalesce(winner.engagement_score, 0.0)
                              + coalesce(lp.engagement_score, 0.0),
    winner.engagement_at = CASE WHEN winner.engagement_at IS NULL
                                  OR lp.engagement_at > winner.engagement_at
                                THEN lp.engagement_at ELSE winner.engagement_at END,
    winner.created_at = CASE WHEN lp.created_at < winner.created_at
                             THEN lp.created_at ELSE winner.created_at END,
    winner.updated_at = $at
FOREACH (k IN [k IN keys(lp) WHERE k STARTS WITH 'count_'] |
  SET winner[k] = coalesce(winner[k], 0) + lp[k])
FOREACH (k IN [k IN keys(lp) WHERE k STARTS WITH 'trait_' AND winner[k] IS NULL] |
  SET winner[k] = lp[k])
CREATE (winner)-[:MERGED_FROM]->(:ProfileMerge {merge_id: $merge_id, from_user_id: $from,
                                                at: $at, reason: $reason, via: $via})
DETACH DELETE loser
