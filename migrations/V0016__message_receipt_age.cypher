// Receipts are pruned by age (app/intake/receipt_retention.py): the prune seeks old ones.
CREATE RANGE INDEX message_receipt_at IF NOT EXISTS FOR (r:MessageReceipt) ON (r.at);
