// Items named by events or the catalog API, in item_id order (intake batches lock the
// existing ones first, see intake/lock_batch). Only the properties given are changed, and
// updated_at moves only when something did (a re-import changes nothing).
// Categories are linked by items/link_categories, in category order.
UNWIND $items AS row
MERGE (i:Item {item_id: row.item_id})
  ON CREATE SET i.created_at = $now
WITH i, row, [k IN keys(row.props) WHERE i[k] IS NULL OR i[k] <> row.props[k]] AS changed
FOREACH (_ IN CASE WHEN size(changed) > 0 THEN [1] END |
  SET i += row.props, i.updated_at = $now)
