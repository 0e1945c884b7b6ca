// A new destination (the id's uniqueness constraint refuses a second one). The subscription
// lists are kept flat for the outbox statements: segment_ids (or ['*']), segment_changes,
// trait_keys (stored property names, or ['*']), event_types (snake_case); `subscriptions`
// keeps the document as sent (JSON).
CREATE (d:Destination {destination_id: $id, name: $name, kind: $kind, target: $target,
                       secret: $secret, subscriptions: $subscriptions,
                       segment_ids: $segment_ids, segment_changes: $segment_changes,
                       trait_keys: $trait_keys, event_types: $event_types, active: $active,
                       created_at: $now, updated_at: $now, failures: 0})
RETURN d {.*} AS destination
