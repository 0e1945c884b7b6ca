// Per purpose: users who granted, denied, or never stated consent.
// params: {}
MATCH (u:User)
WITH count(u) AS users
MATCH (p:Purpose)
RETURN p.name AS purpose,
       COUNT { (:User)-[c:CONSENTED]->(p) WHERE c.status = 'granted' } AS granted,
       COUNT { (:User)-[c:CONSENTED]->(p) WHERE c.status = 'denied' } AS denied,
       users - COUNT { (:User)-[:CONSENTED]->(p) } AS unknown,
       users
ORDER BY purpose
