UNWIND $item_ids AS item_id
MATCH (i:Item {item_id: item_id})
RETURN i.item_id AS item_id, i.title AS title, i.category AS category, i.price AS price
