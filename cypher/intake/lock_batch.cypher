// Write-lock the existing profiles and items a batch touches, each list sorted, before any
// other write: concurrent batches then take their locks in one global order and cannot
// deadlock on shared users or items. (SET+REMOVE changes nothing but takes the lock.)
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
