MATCH (:User {user_id: $user_id})-[:CONSENT_CHANGED]->(c:ConsentChange)
RETURN c.purpose AS purpose, c.status AS status, c.at AS at, c.source AS source
ORDER BY c.at
