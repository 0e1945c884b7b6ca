// Items named by events or the catalog API, in item_id order (intake batches lock the
// existing ones first, see intake/lock_batch). Only the properties given are changed, and
// updated_at moves only when something did (a re-import changes nothing).
// Returns the items whose category is new or changed, for items/link_categories.
UNWIND $items AS row
MERGE (i:Item {item_id: row.item_id})
  ON CREATE SET i.created_at = $now
WITH i, row, [k IN keys(row.props) WHERE i[k] IS NULL OR i[k] <> row.props[k]] AS changed
FOREACH (_ IN CASE WHEN size(changed) > 0 THEN [1] END |
  SET i += row.props, i.updated_at = $now)
WITH i, row
WHERE row.category IS NOT NULL AND coalesce(i.category <> row.category, true)
RETURN row.item_id AS item_id, row.category AS category
