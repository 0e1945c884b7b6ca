// Items of service, fee and adjustment codes (postage, bank charges, ...) that an older
// Online Retail import created from their invoice lines: labelled :NonProduct, so the model
// export and the popular and graph-neighbour lists leave them out. Their past events stay
// (events are immutable; a re-import is idempotent by messageId). Codes naming no Item are
// ignored; an Item already labelled is left as it is (a re-run changes nothing).
// Params: $item_ids (list of item_id), $now (DateTime).
UNWIND $item_ids AS id
MATCH (i:Item {item_id: id})
WHERE NOT i:NonProduct
SET i:NonProduct, i.updated_at = $now
RETURN count(i) AS flagged
