// What enrollment needs about one shopper in one round trip: the profile the id names now
// (as recommendation serving resolves it), the personalization consent, the variant already
// recorded for this experiment, and membership of the audience segment.
:include fragments/profile_by_id
WHERE u IS NOT NULL
OPTIONAL MATCH (u)-[c:CONSENTED]->(:Purpose {name: 'personalization'})
OPTIONAL MATCH (u)-[a:ASSIGNED]->(:Experiment {experiment_id: $experiment_id})
RETURN u.user_id AS user_id, c.status AS consent, a.variant AS variant,
       CASE WHEN $segment_id IS NULL THEN true
            ELSE EXISTS { (u)-[:IN_SEGMENT]->(:Segment {segment_id: $segment_id}) }
       END AS in_audience
