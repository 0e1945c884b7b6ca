// Everything a profile page shows, in one statement: the profile an id names now (resolved
// as in users/resolve_user), its identities, consent, segments and merges (as
// users/get_profile), the first $timeline_limit events of its timeline (as
// users/list_events), its consent changes oldest first (as users/list_consent_changes)
// and the neighbourhood picture (as users/get_neighbourhood). One round trip and one
// snapshot instead of a resolution followed by four reads.
WITH $id AS id
:include fragments/profile_by_id
OPTIONAL MATCH (:Identity {kind: 'email_sha256',
                           value: CASE WHEN $id STARTS WITH 'sha256:' THEN substring($id, 7)
                                       ELSE $id END})-[:IDENTIFIES]->(by_email:User)
WITH coalesce(u, by_email) AS u
WHERE u IS NOT NULL
CALL (u) {
  OPTIONAL MATCH (i:Identity)-[:IDENTIFIES]->(u)
  RETURN collect(i {.kind, .value, .value_sealed}) AS identities
}
CALL (u) {
  OPTIONAL MATCH (u)-[c:CONSENTED]->(p:Purpose)
  RETURN collect({purpose: p.name, status: c.status, at: c.at, source: c.source}) AS consent
}
CALL (u) {
  OPTIONAL MATCH (u)-[m:IN_SEGMENT]->(s:Segment)
  RETURN collect({segment_id: s.segment_id, name: s.name, since: m.since}) AS segments
}
CALL (u) {
  OPTIONAL MATCH (u)-[:MERGED_FROM]->(pm:ProfileMerge)
  RETURN collect(pm {.merge_id, .from_user_id, .at, .reason, .via}) AS merges
}
CALL (u) {
  OPTIONAL MATCH (u)-[:CONSENT_CHANGED]->(c:ConsentChange)
  WITH c ORDER BY c.at
  RETURN collect(c {.purpose, .status, .at, .source}) AS consent_history
}
CALL (u) {
  OPTIONAL MATCH (u)-[:PERFORMED]->(e:Event)
  WITH e ORDER BY e.ts DESC, e.event_id DESC LIMIT $timeline_limit
  OPTIONAL MATCH (e)-[on:ON]->(i:Item)
  WITH e, collect(CASE WHEN i IS NULL THEN null ELSE
          {item_id: i.item_id, quantity: on.quantity, price: on.price, position: on.position}
       END) AS items
  ORDER BY e.ts DESC, e.event_id DESC
  RETURN collect(CASE WHEN e IS NULL THEN null ELSE
           {event_id: e.event_id, type: e.type, name: e.name, ts: e.ts,
            received_at: e.received_at, properties_json: e.properties_json, items: items}
         END) AS events
}
CALL (u) {
  MATCH (u)-[:PERFORMED]->(e:Event)-[:ON]->(i:Item)
  WITH i, e ORDER BY e.ts DESC LIMIT $event_limit
  WITH i, count(e) AS weight ORDER BY weight DESC, i.item_id LIMIT $item_limit
  // an aggregate without grouping keys: one row even for a shopper with no item events
  RETURN collect({item_id: i.item_id, title: i.title, weight: weight}) AS hood_items
}
CALL (u, hood_items) {
  UNWIND hood_items AS it
  CALL (u, it) {
    MATCH (:Item {item_id: it.item_id})<-[:ON]-(:Event)<-[:PERFORMED]-(other:User)
    WHERE other <> u
    RETURN DISTINCT other LIMIT $per_item
  }
  WITH other, collect(it.item_id) AS shared
  RETURN collect({user_id: other.user_id, shared: shared})[..$neighbour_limit] AS neighbours
}
RETURN properties(u) AS user, identities, consent, segments, merges, consent_history, events,
       hood_items, neighbours
