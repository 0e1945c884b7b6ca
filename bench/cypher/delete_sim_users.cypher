// bench/experiments_sim.py: remove its own shoppers (prefixed ids) with their events,
// identities and consent history before a run.
MATCH (u:User) WHERE u.user_id STARTS WITH $prefix
OPTIONAL MATCH (u)-[:PERFORMED]->(e:Event)
OPTIONAL MATCH (i:Identity)-[:IDENTIFIES]->(u)
OPTIONAL MATCH (u)-[:CONSENT_CHANGED]->(c:ConsentChange)
DETACH DELETE u, e, i, c
