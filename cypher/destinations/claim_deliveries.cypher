// A destination's deliveries to send now (after destinations/lock_destination, same
// transaction). Per profile, its pending deliveries in seq order: when the first is due and
// not leased, it and those after it that are due, up to $per_profile, are leased to $owner
// for $lease_ms (a profile's deliveries go one after another, in order; a failed first one
// holds back the rest until it is sent or dead). Profiles whose first delivery waited
// longest first, at most $profiles. Rows in profile and seq order.
MATCH (x:Delivery {destination_id: $id, state: 'pending'})
WITH x ORDER BY x.seq
WITH x.user_id AS user_id, collect(x) AS queue
WITH user_id, queue, queue[0] AS head
WHERE head.next_at <= datetime()
  AND (head.lease_until IS NULL OR head.lease_until <= datetime())
WITH user_id, head, queue[..$per_profile] AS window
WITH user_id, head, window,
     [i IN range(0, size(window) - 1) WHERE window[i].next_at > datetime()] AS waiting
WITH user_id, head, window[..coalesce(waiting[0], size(window))] AS chain
ORDER BY head.created_at
LIMIT $profiles
UNWIND chain AS x
SET x.lease_owner = $owner, x.lease_until = datetime() + duration({milliseconds: $lease_ms})
RETURN x {.*} AS delivery
ORDER BY user_id, x.seq
