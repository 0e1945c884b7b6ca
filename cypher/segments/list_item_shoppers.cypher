// The profiles with an event on the item, in user_id order: their membership in segments with
// item-field rules may change with the item's attributes.
MATCH (:Item {item_id: $item_id})<-[:ON]-(:Event)<-[:PERFORMED]-(u:User)
RETURN DISTINCT u.user_id AS user_id
ORDER BY user_id
