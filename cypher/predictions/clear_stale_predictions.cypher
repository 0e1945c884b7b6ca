// Profiles a run did not score (consent withdrawn, no events any more) lose what an earlier
// run stored; one batch of at most $limit per call.
MATCH (u:User) WHERE u.pred_at < $at
WITH u LIMIT $limit
REMOVE u.pred_purchase_30d, u.pred_value_90d, u.cluster, u.cluster_label, u.pred_at
RETURN count(u) AS cleared
