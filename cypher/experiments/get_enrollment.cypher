// What enrollment needs about one shopper in one round trip: the profile the id names now
// (as recommendation serving resolves it), the personalization consent, the variant already
// recorded for this experiment, and membership of the audience segment.
OPTIONAL MATCH (direct:User {user_id: $id})
OPTIONAL MATCH (:Identity {kind: 'user_id', value: $id})-[:IDENTIFIES]->(by_uid:User)
OPTIONAL MATCH (:Identity {kind: 'anonymous_id', value: $id})-[:IDENTIFIES]->(by_anon:User)
WITH coalesce(direct, by_uid, by_anon) AS u
WHERE u IS NOT NULL
OPTIONAL MATCH (u)-[c:CONSENTED]->(:Purpose {name: 'personalization'})
OPTIONAL MATCH (u)-[a:ASSIGNED]->(:Experiment {experiment_id: $experiment_id})
RETURN u.user_id AS user_id, c.status AS consent, a.variant AS variant,
       CASE WHEN $segment_id IS NULL THEN true
            ELSE EXISTS { (u)-[:IN_SEGMENT]->(:Segment {segment_id: $segment_id}) }
       END AS in_audience
