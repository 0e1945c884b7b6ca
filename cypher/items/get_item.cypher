// One catalog item, with `recommendable` (false: labelled :NonProduct).
MATCH (i:Item {item_id: $item_id})
RETURN i {.*, recommendable: NOT i:NonProduct} AS item
