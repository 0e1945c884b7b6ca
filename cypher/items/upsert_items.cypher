// Items named by events or the catalog API; only the properties given are changed.
UNWIND $items AS row
MERGE (i:Item {item_id: row.item_id})
  ON CREATE SET i.created_at = $now
SET i += row.props, i.updated_at = $now
WITH i, row
WHERE row.category IS NOT NULL
SET i.category = row.category
MERGE (c:Category {name: row.category})
MERGE (i)-[:IN_CATEGORY]->(c)
WITH i, c
MATCH (i)-[old:IN_CATEGORY]->(other:Category)
WHERE other <> c
DELETE old
