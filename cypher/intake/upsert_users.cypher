// The profiles of a batch, in user_id order (created or locked by intake/lock_batch):
// identify traits set, and the computed traits advanced by the batch's per-user delta, all
// in one pass. updated_at moves only when a trait changed.
//
// Computed traits: counters add, first/last seen take min/max, the engagement score decays
// exponentially (time constant $tau_s) to the newest event; RFM scores follow from the
// totals. Properties that do not change are not written.
UNWIND $users AS row
MATCH (u) WHERE elementId(u) = $eid_prefix + $user_eids[row.u]
WITH u, row, [k IN keys(row.traits) WHERE u[k] IS NULL OR u[k] <> row.traits[k]] AS changed
FOREACH (_ IN CASE WHEN size(changed) > 0 THEN [1] END |
  SET u += row.traits, u.updated_at = $now)
WITH u, row.delta AS d
WHERE d IS NOT NULL
WITH u, d, datetime({epochMillis: d.first_ms}) AS first_ts,
     datetime({epochMillis: d.last_ms}) AS last_ts
WITH u, d, first_ts, last_ts, coalesce(u.engagement_at, last_ts) AS prev_at,
     coalesce(u.engagement_score, 0.0) AS prev_score
WITH u, d, first_ts, last_ts, prev_at, prev_score,
     CASE WHEN last_ts > prev_at THEN last_ts ELSE prev_at END AS ref
SET u.event_count = coalesce(u.event_count, 0) + d.events,
    u.engagement_score =
        prev_score * exp(-1.0 * duration.inSeconds(prev_at, ref).seconds / $tau_s)
        + d.engagement * exp(-1.0 * duration.inSeconds(last_ts, ref).seconds / $tau_s),
    u.engagement_at = ref
FOREACH (_ IN CASE WHEN u.first_seen IS NULL OR first_ts < u.first_seen THEN [1] END |
  SET u.first_seen = first_ts)
FOREACH (_ IN CASE WHEN u.last_seen IS NULL OR last_ts > u.last_seen THEN [1] END |
  SET u.last_seen = last_ts)
FOREACH (t IN keys(d.type_counts) |
  SET u['count_' + t] = coalesce(u['count_' + t], 0) + d.type_counts[t])
FOREACH (_ IN CASE WHEN d.orders > 0 THEN [1] END |
  SET u.order_count = coalesce(u.order_count, 0) + d.orders,
      u.revenue_total = coalesce(u.revenue_total, 0.0) + d.revenue)
FOREACH (_ IN CASE WHEN d.last_order_ms IS NOT NULL AND (u.last_order_at IS NULL OR
                        datetime({epochMillis: d.last_order_ms}) > u.last_order_at) THEN [1] END |
  SET u.last_order_at = datetime({epochMillis: d.last_order_ms}))
WITH u
WHERE u.order_count > 0
WITH u, duration.inDays(u.last_order_at, $now).days AS recency
SET u.rfm_recency_days = recency,
    u.rfm_r = 5 - size([t IN $rfm.rfm_recency_days WHERE recency > t]),
    u.rfm_f = 1 + size([t IN $rfm.rfm_frequency WHERE u.order_count >= t]),
    u.rfm_m = 1 + size([t IN $rfm.rfm_monetary WHERE u.revenue_total >= t])
