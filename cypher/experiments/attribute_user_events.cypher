// The same linking from the other side: recent outcome events of these shoppers (just
// ingested) that carry the recommendation_id of an exposure they saw, already written. MERGE: see
// attribute_by_recommendation.cypher.
UNWIND $user_ids AS uid
MATCH (u:User {user_id: uid})-[:PERFORMED]->(e:Event)
WHERE e.type IN $outcome_types AND e.p_recommendation_id IS NOT NULL
  AND e.received_at >= $since AND NOT EXISTS { (e)-[:ATTRIBUTED_TO]->() }
MATCH (u)-[:SAW]->(x:Exposure {recommendation_id: e.p_recommendation_id})
MERGE (e)-[a:ATTRIBUTED_TO]->(x)
  ON CREATE SET a.via = 'recommendation_id', a.pass = $token
WITH x, e, a WHERE a.pass = $token
RETURN x.strategy AS strategy, coalesce(x.variant, '') AS variant, e.type AS type,
       count(*) AS events
