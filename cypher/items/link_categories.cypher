// Items whose category is new or changed, sorted by category name: Category nodes are shared
// by every batch, so they too are locked in one order (after the items) to avoid deadlocks.
UNWIND $items AS row
MATCH (i:Item {item_id: row.item_id})
WHERE coalesce(i.category <> row.category, true)  // re-checked under the lock
SET i.category = row.category, i.updated_at = $now
MERGE (c:Category {name: row.category})
MERGE (i)-[:IN_CATEGORY]->(c)
WITH i, c
MATCH (i)-[old:IN_CATEGORY]->(other:Category)
WHERE other <> c
DELETE old
