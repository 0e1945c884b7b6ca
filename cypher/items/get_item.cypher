MATCH (i:Item {item_id: $item_id})
RETURN properties(i) AS item
