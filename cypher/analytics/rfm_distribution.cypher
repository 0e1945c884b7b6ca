// Users per RFM cell (recency, frequency, monetary scores 1-5), buyers only.
// params: {}
MATCH (u:User)
WHERE u.rfm_r IS NOT NULL
RETURN u.rfm_r AS r, u.rfm_f AS f, u.rfm_m AS m, count(*) AS users,
       round(avg(u.revenue_total), 2) AS avg_revenue
ORDER BY r DESC, f DESC, m DESC
