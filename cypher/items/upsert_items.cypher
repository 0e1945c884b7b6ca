// Items named by events or the catalog API, in item_id order (intake batches lock the
// existing ones first, see intake/lock_batch). Only the properties given are changed, and
// updated_at moves only when something did (a re-import changes nothing).
// An existing item whose price, brand or title changed is marked :CatalogChanged (segment
// rules on item fields read the item's current attributes; app/segments/catalog_changes.py
// re-evaluates its shoppers); category changes are marked by items/link_categories.
// row.recommendable (the catalog API's field; absent: unchanged): false labels the item
// :NonProduct (never offered, cited in a reason nor steering a list; left out of the model
// export and the popular lists), true removes the label. Other writers never remove it.
// Returns the items whose category is new or changed, for items/link_categories.
UNWIND $items AS row
MERGE (i:Item {item_id: row.item_id})
  ON CREATE SET i.created_at = $now
WITH i, row, [k IN keys(row.props) WHERE i[k] IS NULL OR i[k] <> row.props[k]] AS changed
FOREACH (_ IN CASE WHEN size(changed) > 0 THEN [1] END |
  SET i += row.props, i.updated_at = $now)
FOREACH (_ IN CASE WHEN coalesce(i.created_at <> $now, true)
                     AND any(k IN changed WHERE k IN ['price', 'brand', 'title']) THEN [1] END |
  SET i:CatalogChanged, i.catalog_change_seq = coalesce(i.catalog_change_seq, 0) + 1)
FOREACH (_ IN CASE WHEN row.recommendable = false AND NOT i:NonProduct THEN [1] END |
  SET i:NonProduct, i.updated_at = $now)
FOREACH (_ IN CASE WHEN row.recommendable = true AND i:NonProduct THEN [1] END |
  REMOVE i:NonProduct SET i.updated_at = $now)
WITH i, row
WHERE row.category IS NOT NULL AND coalesce(i.category <> row.category, true)
RETURN row.item_id AS item_id, row.category AS category
