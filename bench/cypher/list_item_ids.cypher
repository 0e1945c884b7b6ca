MATCH (i:Item) RETURN i.item_id AS id ORDER BY id
