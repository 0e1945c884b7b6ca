// bench/decisions.py: predicted traits on the bench's shoppers (as a refresh would write).
UNWIND $rows AS row
MATCH (u:User {user_id: row.user_id})
SET u.pred_purchase_30d = row.p, u.pred_value_90d = row.v
