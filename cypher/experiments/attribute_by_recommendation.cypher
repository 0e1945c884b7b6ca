// Outcome events that name an exposure in `properties.recommendation_id` and are not yet
// linked to it: link them (for analysts) and report them (for the click counters). Run for
// the recommendation ids of a freshly written exposure batch, covering events that arrived
// before their exposure was written. Only the exposed shopper's own events count (as in
// list_outcome_rows.cypher). MERGE locks the pair, so this pass and the one from the
// shoppers' side (attribute_user_events) never both link an event; only the links this
// transaction created ($token) are reported.
UNWIND $recommendation_ids AS rid
MATCH (x:Exposure {recommendation_id: rid})<-[:SAW]-(u:User)
MATCH (e:Event {p_recommendation_id: rid})
WHERE e.type IN $outcome_types AND (u)-[:PERFORMED]->(e)
  AND NOT EXISTS { (e)-[:ATTRIBUTED_TO]->() }
MERGE (e)-[a:ATTRIBUTED_TO]->(x)
  ON CREATE SET a.via = 'recommendation_id', a.pass = $token
WITH x, e, a WHERE a.pass = $token
RETURN x.strategy AS strategy, coalesce(x.variant, '') AS variant, e.type AS type,
       count(*) AS events
