// Computed traits, updated incrementally from one batch's per-user deltas. Counters add,
// first/last seen take min/max, the engagement score decays exponentially (time constant
// $tau_s) to the newest event. RFM scores follow from the totals. Properties that do not
// change are not written (fewer property records per commit).
UNWIND $deltas AS row
MATCH (u:User {user_id: row.user_id})
WITH u, row, datetime({epochMillis: row.first_ms}) AS first_ts,
     datetime({epochMillis: row.last_ms}) AS last_ts
WITH u, row, first_ts, last_ts, coalesce(u.engagement_at, last_ts) AS prev_at,
     coalesce(u.engagement_score, 0.0) AS prev_score
WITH u, row, first_ts, last_ts, prev_at, prev_score,
     CASE WHEN last_ts > prev_at THEN last_ts ELSE prev_at END AS ref
SET u.event_count = coalesce(u.event_count, 0) + row.events,
    u.engagement_score =
        prev_score * exp(-1.0 * duration.inSeconds(prev_at, ref).seconds / $tau_s)
        + row.engagement * exp(-1.0 * duration.inSeconds(last_ts, ref).seconds / $tau_s),
    u.engagement_at = ref
FOREACH (_ IN CASE WHEN u.first_seen IS NULL OR first_ts < u.first_seen THEN [1] END |
  SET u.first_seen = first_ts)
FOREACH (_ IN CASE WHEN u.last_seen IS NULL OR last_ts > u.last_seen THEN [1] END |
  SET u.last_seen = last_ts)
FOREACH (t IN keys(row.type_counts) |
  SET u['count_' + t] = coalesce(u['count_' + t], 0) + row.type_counts[t])
FOREACH (_ IN CASE WHEN row.orders > 0 THEN [1] END |
  SET u.order_count = coalesce(u.order_count, 0) + row.orders,
      u.revenue_total = coalesce(u.revenue_total, 0.0) + row.revenue)
FOREACH (_ IN CASE WHEN row.last_order_ms IS NOT NULL AND (u.last_order_at IS NULL OR
                        datetime({epochMillis: row.last_order_ms}) > u.last_order_at) THEN [1] END |
  SET u.last_order_at = datetime({epochMillis: row.last_order_ms}))
WITH u
WHERE u.order_count > 0
WITH u, duration.inDays(u.last_order_at, $now).days AS recency
SET u.rfm_recency_days = recency,
    u.rfm_r = 5 - size([t IN $rfm.rfm_recency_days WHERE recency > t]),
    u.rfm_f = 1 + size([t IN $rfm.rfm_frequency WHERE u.order_count >= t]),
    u.rfm_m = 1 + size([t IN $rfm.rfm_monetary WHERE u.revenue_total >= t])
