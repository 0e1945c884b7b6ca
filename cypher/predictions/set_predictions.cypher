// One batch of predicted traits and clusters onto the profiles, stamped with the run's time
// (a null prediction removes the property: no model for it this run).
UNWIND $rows AS row
MATCH (u:User {user_id: row.user_id})
SET u.pred_purchase_30d = row.purchase, u.pred_value_90d = row.value,
    u.cluster = row.cluster, u.cluster_label = row.label, u.pred_at = $at
RETURN count(u) AS written
