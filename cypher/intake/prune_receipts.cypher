// Deletes up to $limit receipts recorded before $before (oldest first); one row: deleted.
MATCH (r:MessageReceipt) WHERE r.at < $before
WITH r ORDER BY r.at LIMIT $limit
DELETE r
RETURN count(*) AS deleted
