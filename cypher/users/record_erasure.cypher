CREATE (:ErasureRecord {receipt_id: $receipt_id, at: $at, counts: $counts})
