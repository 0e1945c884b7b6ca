// What a decision needs, in one round trip: the placement's current definition (and the
// versions a running experiment pins, $versions), the profile the id names now (own user_id,
// or a userId/anonymousId merged into it), its personalization consent and, only when that
// consent allows, the properties a rule may test (traits `trait_*`, counts `count_*` and
// $computed: the computed and predicted traits), as [key, value] pairs: the profile's
// timestamps are neither sent nor decoded), segments and granted purposes; the category of
// the item in context; the variant already assigned in the running experiment
// ($experiment_id, null when none).
// Params: $placement_id (null for a draft), $versions, $id, $opt_out (true: no consent edge
// counts as granted), $computed, $context_item, $experiment_id.
OPTIONAL MATCH (p:Placement {placement_id: $placement_id})
OPTIONAL MATCH (p)-[:HAS_VERSION]->(pv:PlacementVersion) WHERE pv.version IN $versions
WITH p, collect([pv.version, pv.definition]) AS pinned
OPTIONAL MATCH (direct:User {user_id: $id})
OPTIONAL MATCH (:Identity {kind: 'user_id', value: $id})-[:IDENTIFIES]->(by_uid:User)
OPTIONAL MATCH (:Identity {kind: 'anonymous_id', value: $id})-[:IDENTIFIES]->(by_anon:User)
WITH p, pinned, coalesce(direct, by_uid, by_anon) AS u
OPTIONAL MATCH (u)-[c:CONSENTED]->(:Purpose {name: 'personalization'})
WITH p, pinned, u, c.status AS consent,
     u IS NOT NULL AND coalesce(c.status = 'granted', $opt_out) AS allowed
CALL (u, allowed) {
  WITH u WHERE allowed
  OPTIONAL MATCH (u)-[:IN_SEGMENT]->(s:Segment)
  RETURN collect(s.segment_id) AS segments
}
CALL (u, allowed) {
  WITH u WHERE allowed
  OPTIONAL MATCH (u)-[g:CONSENTED]->(purpose:Purpose) WHERE g.status = 'granted'
  RETURN collect(purpose.name) AS granted
}
OPTIONAL MATCH (ci:Item {item_id: $context_item})
OPTIONAL MATCH (u)-[a:ASSIGNED]->(:Experiment {experiment_id: $experiment_id})
RETURN p.version AS version, p.definition AS definition, pinned,
       u.user_id AS user_id, consent, allowed,
       CASE WHEN allowed THEN [k IN keys(u) WHERE k STARTS WITH 'trait_'
                               OR k STARTS WITH 'count_' OR k IN $computed | [k, u[k]]]
       END AS properties, segments, granted,
       ci.category AS context_category, a.variant AS assigned
