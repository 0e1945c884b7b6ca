// RFM scores recomputed from a profile's stored totals (after a merge changed them).
UNWIND $user_ids AS id
MATCH (u:User {user_id: id})
WHERE u.order_count > 0
WITH u, duration.inDays(u.last_order_at, $now).days AS recency
SET u.rfm_recency_days = recency,
    u.rfm_r = 5 - size([t IN $rfm.rfm_recency_days WHERE recency > t]),
    u.rfm_f = 1 + size([t IN $rfm.rfm_frequency WHERE u.order_count >= t]),
    u.rfm_m = 1 + size([t IN $rfm.rfm_monetary WHERE u.revenue_total >= t])
