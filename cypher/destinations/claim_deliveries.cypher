// A destination's deliveries to send now (after destinations/lock_destination, same
// transaction), read through indexes rather than by sorting its whole queue:
// 1. the $scan oldest due pending deliveries, in next_at order (index delivery_due; a
//    leased delivery's next_at is its lease's end, so it is not due);
// 2. their profiles, those whose delivery waited longest first, at most $profiles;
// 3. each profile's pending chain in seq order, at most $per_profile (index delivery_chain).
//    When its first is due and not leased, it and the due ones after it are leased to
//    $owner for $lease_ms (a profile's deliveries go one after another, in order; a failed
//    first one holds back the rest until it is sent or dead). When its first waits for a
//    retry, the profile's scanned deliveries wait as long (next_at), so that they do not
//    fill the next claims' scan; behind one leased by another worker they stay due (that
//    lease may end early).
// Rows: the leased deliveries, what a send needs of them (the driver turns every datetime
// into an object: the lease's own are left out), with their element ids (finish and release
// find them by those), in profile and seq order.
// (ORDER BY names every key of the index, so the planner reads it in order and stops at the
// limit instead of sorting all that is due; the hints keep that plan whatever the store's
// statistics say at the moment it is planned)
MATCH (x:Delivery)
USING INDEX x:Delivery(destination_id, state, next_at)
WHERE x.destination_id = $id AND x.state = 'pending' AND x.next_at <= datetime()
WITH x ORDER BY x.destination_id, x.state, x.next_at LIMIT $scan
WITH x.user_id AS user_id, min(x.next_at) AS first_due, collect(x) AS scanned
ORDER BY first_due LIMIT $profiles
CALL (user_id) {
  MATCH (y:Delivery)
  USING INDEX y:Delivery(destination_id, state, user_id, seq)
  WHERE y.destination_id = $id AND y.state = 'pending' AND y.user_id = user_id
    AND y.seq IS NOT NULL
  WITH y ORDER BY y.destination_id, y.state, y.user_id, y.seq LIMIT $per_profile
  RETURN collect(y) AS window
}
WITH user_id, scanned, window, window[0] AS head
WITH user_id, scanned, window, head,
     head.lease_until IS NOT NULL AND head.lease_until > datetime() AS leased
CALL (scanned, head, leased) {
  WITH scanned, head WHERE head.next_at > datetime() AND NOT leased
  UNWIND scanned AS x
  WITH x, head WHERE x.seq > head.seq
  SET x.next_at = head.next_at
}
WITH user_id, head, window WHERE head.next_at <= datetime() AND NOT leased
WITH user_id, window,
     [i IN range(0, size(window) - 1) WHERE window[i].next_at > datetime()] AS waiting
UNWIND window[..coalesce(waiting[0], size(window))] AS x
SET x.lease_owner = $owner, x.lease_until = datetime() + duration({milliseconds: $lease_ms}),
    x.next_at = datetime() + duration({milliseconds: $lease_ms})
RETURN x {.delivery_id, .user_id, .seq, .type, .segment_id, .trait, .value, .previous,
          .event_id, .event_name, .event_ts, .properties_json, .at, .attempts,
          eid: elementId(x)} AS delivery
ORDER BY user_id, x.seq
