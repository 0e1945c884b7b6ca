// Items named by events or the catalog API; only the properties given are changed, and
// updated_at and the category edge move only when something did (a re-import changes
// nothing, and unchanged rows take no lock on a Category).
UNWIND $items AS row
MERGE (i:Item {item_id: row.item_id})
  ON CREATE SET i.created_at = $now
WITH i, row, [k IN keys(row.props) WHERE i[k] IS NULL OR i[k] <> row.props[k]] AS changed,
     row.category IS NOT NULL AND coalesce(i.category <> row.category, true) AS recategorize
FOREACH (_ IN CASE WHEN size(changed) > 0 OR recategorize THEN [1] ELSE [] END |
  SET i += row.props, i.updated_at = $now)
WITH i, row, recategorize
WHERE recategorize
SET i.category = row.category
MERGE (c:Category {name: row.category})
MERGE (i)-[:IN_CATEGORY]->(c)
WITH i, c
MATCH (i)-[old:IN_CATEGORY]->(other:Category)
WHERE other <> c
DELETE old
