// Items whose category is new or changed, sorted by category name: Category nodes are shared
// by every batch, so they too are locked in one order (after the items) to avoid deadlocks.
// An item that had another category is marked :CatalogChanged (its shoppers' memberships
// are re-evaluated, app/segments/catalog_changes.py).
UNWIND $items AS row
MATCH (i:Item {item_id: row.item_id})
WHERE coalesce(i.category <> row.category, true)  // re-checked under the lock
FOREACH (_ IN CASE WHEN i.category IS NOT NULL THEN [1] END |
  SET i:CatalogChanged, i.catalog_change_seq = coalesce(i.catalog_change_seq, 0) + 1)
SET i.category = row.category, i.updated_at = $now
MERGE (c:Category {name: row.category})
MERGE (i)-[:IN_CATEGORY]->(c)
WITH i, c
MATCH (i)-[old:IN_CATEGORY]->(other:Category)
WHERE other <> c
DELETE old
