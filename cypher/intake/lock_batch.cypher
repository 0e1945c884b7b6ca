// First write of a batch: the profiles, then the items, it touches, each list sorted by id,
// are created if new and write-locked if they exist, so concurrent batches take every lock
// on a shared User or Item in one global order (new and existing alike). Setting the key
// to its own value takes the node's write lock and writes nothing. Later statements of
// the batch only MATCH these nodes.
CALL () {
  UNWIND $user_ids AS id
  MERGE (u:User {user_id: id})
    ON CREATE SET u.created_at = $now, u.updated_at = $now
  SET u.user_id = id
}
CALL () {
  UNWIND $item_ids AS id
  MERGE (i:Item {item_id: id})
    ON CREATE SET i.created_at = $now
  SET i.item_id = id
}
