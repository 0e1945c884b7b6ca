// First write of a batch: write-lock the existing profiles, then the existing items, it
// touches, each list sorted by id (SET+REMOVE changes nothing but takes the lock). Concurrent
// batches thus lock shared nodes in one global order. Doing it here, with a plain MATCH,
// also avoids the shared-then-exclusive lock upgrade that MERGE followed by SET would take,
// where two batches holding the shared lock deadlock on the upgrade.
CALL () {
  UNWIND $user_ids AS id
  MATCH (u:User {user_id: id})
  SET u.__lock = true
  REMOVE u.__lock
}
CALL () {
  UNWIND $item_ids AS id
  MATCH (i:Item {item_id: id})
  SET i.__lock = true
  REMOVE i.__lock
}
