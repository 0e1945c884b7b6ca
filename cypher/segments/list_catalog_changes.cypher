// Items whose segment-visible attributes changed and whose shoppers' membership work is not
// recorded yet (label lookup index), with the change number the expansion saw.
MATCH (i:CatalogChanged)
RETURN i.item_id AS item_id, i.catalog_change_seq AS seq
LIMIT $limit
