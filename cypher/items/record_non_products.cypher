// The service, fee and adjustment codes (postage, bank charges, ...) an Online Retail import
// met, recorded as Items labelled :NonProduct with their description as title: a live event
// that later names one of these ids (an order with postage sent to /v1/batch) finds it
// labelled, so the model export, the popular and graph-neighbour lists and serving leave it
// out (intake's item MERGE and items/upsert_items keep labels). An Item of such a code that an
// older import created from its invoice lines is labelled too, its past events stay (events
// are immutable). Nothing changes on a re-run (idempotent).
// Params: $items (list of {item_id, title}, sorted by item_id: shared nodes are locked in one
// global order), $now (DateTime). Returns how many existing Items were labelled here.
UNWIND $items AS row
OPTIONAL MATCH (old:Item {item_id: row.item_id})
WITH row, old IS NOT NULL AND NOT old:NonProduct AS flagging
MERGE (i:Item {item_id: row.item_id})
  ON CREATE SET i.created_at = $now
WITH i, row, flagging,
     NOT i:NonProduct OR (row.title IS NOT NULL AND coalesce(i.title <> row.title, true))
       AS changing
FOREACH (_ IN CASE WHEN changing THEN [1] END |
  SET i:NonProduct, i.title = coalesce(row.title, i.title), i.updated_at = $now)
RETURN count(CASE WHEN flagging THEN 1 END) AS flagged
