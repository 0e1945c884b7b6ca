// Deliveries per destination and state (pending split into never tried and retrying), and
// the age of the oldest one waiting: the delivery gauges and the destinations' answers.
MATCH (d:Destination)
WHERE $ids IS NULL OR d.destination_id IN $ids
CALL (d) {
  OPTIONAL MATCH (x:Delivery {destination_id: d.destination_id, state: 'pending'})
  RETURN count(CASE WHEN x.attempts = 0 THEN 1 END) AS pending,
         count(CASE WHEN x.attempts > 0 THEN 1 END) AS retrying,
         min(x.created_at) AS oldest
}
CALL (d) {
  OPTIONAL MATCH (x:Delivery {destination_id: d.destination_id, state: 'dead'})
  RETURN count(x) AS dead
}
CALL (d) {
  OPTIONAL MATCH (x:Delivery {destination_id: d.destination_id, state: 'delivered'})
  RETURN count(x) AS delivered
}
RETURN d.destination_id AS destination_id, pending, retrying, dead, delivered,
       CASE WHEN oldest IS NULL THEN 0.0
            ELSE duration.inSeconds(oldest, datetime()).milliseconds / 1000.0 END
         AS oldest_pending_s
