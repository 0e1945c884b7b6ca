// First write of a batch: the profiles, then the items, it touches, each list sorted by id,
// are created if new and write-locked if they exist, so concurrent batches take every lock
// on a shared User or Item in one global order (new and existing alike).
//
// A profile is locked by writing a marker it never keeps (`__created`), never by writing its
// user_id: the id the batch's lookup read may be stale by now (a concurrent batch renamed
// the profile, and this statement waited for its lock), and writing it back would undo the
// rename. After the lock each row returns the profile's id as committed now; the repository
// compares it, and whether the profile was created here, with what the lookup saw, and
// re-plans the batch when they differ (app/intake/intake_repository.py).
//
// A profile created here gets its final traits at once: row.fresh holds what
// intake/upsert_users would compute from an empty profile (scalars; the times come as
// epoch milliseconds); it is null for a profile the lookup found.
// Returns [lock id, elementId, created, user_id now] per profile and [id, elementId] per
// item: the later statements of the batch find these (locked) nodes by element id, which is
// much cheaper than another unique-index seek.
CALL () {
  UNWIND $users AS row
  MERGE (u:User {user_id: row.lock_id})
    ON CREATE SET u += coalesce(row.fresh, {}), u.created_at = $now, u.updated_at = $now,
                  u.first_seen = CASE WHEN row.first_ms IS NOT NULL
                                      THEN datetime({epochMillis: row.first_ms}) END,
                  u.last_seen = CASE WHEN row.last_ms IS NOT NULL
                                     THEN datetime({epochMillis: row.last_ms}) END,
                  u.engagement_at = CASE WHEN row.last_ms IS NOT NULL
                                         THEN datetime({epochMillis: row.last_ms}) END,
                  u.last_order_at = CASE WHEN row.last_order_ms IS NOT NULL
                                         THEN datetime({epochMillis: row.last_order_ms}) END,
                  u.`__created` = true
    ON MATCH SET u.`__created` = false
  WITH u, row, u.`__created` AS created
  REMOVE u.`__created`
  RETURN collect([row.lock_id, elementId(u), created, u.user_id]) AS users
}
CALL () {
  UNWIND $item_ids AS id
  MERGE (i:Item {item_id: id})
    ON CREATE SET i.created_at = $now
  SET i.item_id = id
  RETURN collect([id, elementId(i)]) AS items
}
RETURN users, items
