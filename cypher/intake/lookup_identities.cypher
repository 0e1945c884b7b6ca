// Which profile each identity of a batch belongs to, with that profile's consent state.
// A User without an Identity node (created by hand or by an older import) is found by id.
UNWIND $keys AS k
OPTIONAL MATCH (:Identity {kind: k.kind, value: k.value})-[:IDENTIFIES]->(bound:User)
OPTIONAL MATCH (direct:User {user_id: CASE k.kind
    WHEN 'user_id' THEN k.value WHEN 'anonymous_id' THEN 'anon:' + k.value END})
WITH k, coalesce(bound, direct) AS u
WHERE u IS NOT NULL
OPTIONAL MATCH (u)-[c:CONSENTED]->(p:Purpose)
RETURN k.kind AS kind, k.value AS value, u.user_id AS user_id,
       collect({purpose: p.name, status: c.status}) AS consent
