// Serving's item infos; `recommendable` false: labelled :NonProduct (postage, fees, or
// `recommendable: false` on /v1/items), never offered, cited in a reason nor steering.
UNWIND $item_ids AS item_id
MATCH (i:Item {item_id: item_id})
RETURN i.item_id AS item_id, i.title AS title, i.category AS category, i.price AS price,
       NOT i:NonProduct AS recommendable
