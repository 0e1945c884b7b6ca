// Consent changes in message order: the CONSENTED edge holds the current state, a
// ConsentChange node each change.
UNWIND $changes AS row
WITH row AS c, datetime({epochMillis: row.at}) AS at
MATCH (u:User {user_id: c.user_id})
MATCH (p:Purpose {name: c.purpose})
MERGE (u)-[cur:CONSENTED]->(p)
SET cur.status = c.status, cur.at = at, cur.source = c.source
CREATE (u)-[:CONSENT_CHANGED]->(:ConsentChange {purpose: c.purpose, status: c.status,
                                               at: at, source: c.source})
