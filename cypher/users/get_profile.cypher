MATCH (u:User {user_id: $user_id})
OPTIONAL MATCH (i:Identity)-[:IDENTIFIES]->(u)
WITH u, collect(i {.kind, .value, .value_sealed}) AS identities
OPTIONAL MATCH (u)-[c:CONSENTED]->(p:Purpose)
WITH u, identities,
     collect({purpose: p.name, status: c.status, at: c.at, source: c.source}) AS consent
OPTIONAL MATCH (u)-[m:IN_SEGMENT]->(s:Segment)
WITH u, identities, consent,
     collect({segment_id: s.segment_id, name: s.name, since: m.since}) AS segments
OPTIONAL MATCH (u)-[:MERGED_FROM]->(pm:ProfileMerge)
RETURN properties(u) AS user, identities, consent, segments,
       collect(pm {.merge_id, .from_user_id, .at, .reason, .via}) AS merges
