// The item's shoppers are marked: clear its mark, unless it changed again meanwhile (then the
// next pass marks them again).
MATCH (i:Item {item_id: $item_id})
WHERE i.catalog_change_seq = $seq
REMOVE i:CatalogChanged
RETURN count(i) AS cleared
