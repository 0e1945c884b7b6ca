// The outbox of an intake batch, in its transaction: for each profile that granted
// `marketing`, its trait changes and new events in order ($profiles: [{u: index into
// $user_eids, user_id, items}]), one delivery per active destination subscribed to the
// trait or event type. seq continues the profile's order (intake has locked the profiles).
MATCH (d:Destination {active: true})
WHERE size(d.trait_keys) > 0 OR size(d.event_types) > 0
WITH collect(d) AS ds
UNWIND $profiles AS p
MATCH (u) WHERE elementId(u) = $eid_prefix + $user_eids[p.u]
  AND EXISTS { (u)-[:CONSENTED {status: 'granted'}]->(:Purpose {name: 'marketing'}) }
WITH ds, u, p, coalesce(u.outbox_seq, 0) AS base
SET u.outbox_seq = base + size(p.items)
WITH ds, p, base
UNWIND range(0, size(p.items) - 1) AS i
WITH ds, p, p.items[i] AS it, base + i + 1 AS seq
UNWIND [d IN ds WHERE CASE it.kind
          WHEN 'trait' THEN '*' IN d.trait_keys OR it.key IN d.trait_keys
          ELSE it.type IN d.event_types END] AS d
CREATE (:Delivery {delivery_id: 'msg_' + replace(randomUUID(), '-', ''),
                   destination_id: d.destination_id, user_id: p.user_id, seq: seq,
                   type: CASE it.kind WHEN 'trait' THEN 'profile.trait_changed'
                                      ELSE 'event.' + it.type END,
                   trait: it.key, value: it.value, previous: it.previous,
                   event_id: it.event_id, event_name: it.name,
                   event_ts: CASE WHEN it.ts IS NULL THEN null
                                  ELSE datetime({epochMillis: it.ts}) END,
                   properties_json: it.properties_json, at: $now, created_at: datetime(),
                   next_at: datetime(), state: 'pending', attempts: 0})
