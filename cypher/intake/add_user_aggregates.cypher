// Computed traits, updated incrementally from one batch's per-user deltas. Counters add,
// first/last seen take min/max, the engagement score decays exponentially (time constant
// $tau_s) to the newest event. RFM scores follow from the totals.
UNWIND $deltas AS row
MATCH (u:User {user_id: row.user_id})
WITH u, row {.*, first_ts: datetime({epochMillis: row.first_ms}),
             last_ts: datetime({epochMillis: row.last_ms}),
             last_order_ts: CASE WHEN row.last_order_ms IS NOT NULL
                                 THEN datetime({epochMillis: row.last_order_ms}) END} AS d
WITH u, d, coalesce(u.engagement_score, 0.0) AS prev_score,
     coalesce(u.engagement_at, d.last_ts) AS prev_at
WITH u, d, prev_score, prev_at, CASE WHEN d.last_ts > prev_at THEN d.last_ts ELSE prev_at END AS ref
SET u.first_seen = CASE WHEN u.first_seen IS NULL OR d.first_ts < u.first_seen
                        THEN d.first_ts ELSE u.first_seen END,
    u.last_seen = CASE WHEN u.last_seen IS NULL OR d.last_ts > u.last_seen
                       THEN d.last_ts ELSE u.last_seen END,
    u.event_count = coalesce(u.event_count, 0) + d.events,
    u.order_count = coalesce(u.order_count, 0) + d.orders,
    u.revenue_total = coalesce(u.revenue_total, 0.0) + d.revenue,
    u.last_order_at = CASE WHEN d.last_order_ts IS NOT NULL AND
                            (u.last_order_at IS NULL OR d.last_order_ts > u.last_order_at)
                       THEN d.last_order_ts ELSE u.last_order_at END,
    u.engagement_score =
        prev_score * exp(-1.0 * duration.inSeconds(prev_at, ref).seconds / $tau_s)
        + d.engagement * exp(-1.0 * duration.inSeconds(d.last_ts, ref).seconds / $tau_s),
    u.engagement_at = ref
FOREACH (t IN keys(d.type_counts) |
  SET u['count_' + t] = coalesce(u['count_' + t], 0) + d.type_counts[t])
WITH u
WHERE u.order_count > 0
WITH u, duration.inDays(u.last_order_at, $now).days AS recency
SET u.rfm_recency_days = recency,
    u.rfm_r = 5 - size([t IN $rfm.rfm_recency_days WHERE recency > t]),
    u.rfm_f = 1 + size([t IN $rfm.rfm_frequency WHERE u.order_count >= t]),
    u.rfm_m = 1 + size([t IN $rfm.rfm_monetary WHERE u.revenue_total >= t])
