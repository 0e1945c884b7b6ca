// Deliveries per destination still to send or dead (pending split into never tried and
// retrying), and the age of the oldest one waiting: the delivery gauges (every 2 s, so the
// delivered ones, which pile up over the retention period, are counted apart:
// destinations/count_delivered).
MATCH (d:Destination)
WHERE $ids IS NULL OR d.destination_id IN $ids
CALL (d) {
  OPTIONAL MATCH (x:Delivery)
  USING INDEX x:Delivery(destination_id, state, next_at)
  WHERE x.destination_id = d.destination_id AND x.state = 'pending' AND x.next_at IS NOT NULL
  RETURN count(CASE WHEN x.attempts = 0 THEN 1 END) AS pending,
         count(CASE WHEN x.attempts > 0 THEN 1 END) AS retrying,
         min(x.created_at) AS oldest
}
CALL (d) {
  OPTIONAL MATCH (x:Delivery)
  USING INDEX x:Delivery(destination_id, state, next_at)
  WHERE x.destination_id = d.destination_id AND x.state = 'dead' AND x.next_at IS NOT NULL
  RETURN count(x) AS dead
}
RETURN d.destination_id AS destination_id, pending, retrying, dead,
       d.breaker_until IS NOT NULL AND d.breaker_until > datetime() AS breaker_open,
       CASE WHEN oldest IS NULL THEN 0.0
            ELSE duration.inSeconds(oldest, datetime()).milliseconds / 1000.0 END
         AS oldest_pending_s
