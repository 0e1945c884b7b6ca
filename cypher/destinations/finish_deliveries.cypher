// What the sends of one claim came to ($results: [{id, eid, ok, status, error, delay_ms}]:
// eid the element id the claim returned, id checked in case the node went), for
// deliveries still leased to $owner: delivered, or one more failed attempt (the next try
// after delay_ms; dead at $max_attempts). One row per delivery: id, state, created_ms
// (epoch milliseconds: no datetime for the driver to build).
UNWIND $results AS r
MATCH (x:Delivery)
WHERE elementId(x) = r.eid AND x.delivery_id = r.id AND x.lease_owner = $owner
SET x.attempts = x.attempts + 1, x.last_status = r.status, x.last_error = r.error,
    x.last_attempt_at = datetime(), x.lease_owner = null, x.lease_until = null
SET x.state = CASE WHEN r.ok THEN 'delivered'
                   WHEN x.attempts >= $max_attempts THEN 'dead' ELSE 'pending' END
SET x.delivered_at = CASE WHEN r.ok THEN datetime() ELSE null END,
    x.next_at = CASE WHEN r.ok THEN x.next_at
                     ELSE datetime() + duration({milliseconds: r.delay_ms}) END
RETURN x.delivery_id AS id, x.state AS state, x.created_at.epochMillis AS created_ms
