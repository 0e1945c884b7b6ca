// Take the build lease when it is free (never taken, expired, or ours) and no other build
// started since the state the caller decided on ($seen_started: compare and set), so two
// processes that decided at once build once. The first SET takes the node's write lock
// before the lease is read.
// Params: $key, $owner, $now, $until (DateTime), $seen_started_ms (epoch ms or null),
//         $events, $items (the store's counts the build starts from), $kind. Times are
//         compared as instants (epoch ms): a zone id and an offset may name the same one.
MERGE (m:ModelRefresh {key: $key})
SET m.touched_at = $now
WITH m
WHERE (m.lease_until IS NULL OR m.lease_until < $now OR m.lease_owner = $owner)
  AND (m.started_at IS NULL OR m.started_at.epochMillis = $seen_started_ms)
SET m.lease_owner = $owner, m.lease_until = $until, m.started_at = $now,
    m.starting_events = $events, m.starting_items = $items, m.running_kind = $kind
RETURN m.started_at AS started_at
