// First write of a batch: the profiles, then the items, it touches, each list sorted by id,
// are created if new and write-locked if they exist, so concurrent batches take every lock
// on a shared User or Item in one global order (new and existing alike). Setting the key
// to its own value takes the node's write lock and writes nothing.
//
// A profile created here gets its final traits at once: row.fresh holds what
// intake/upsert_users would compute from an empty profile (scalars; the times come as
// epoch milliseconds); it is null for a profile the lookup found, which, should it have
// vanished since, is created bare and not reported as created.
// Returns [id, elementId, created] per profile and [id, elementId] per item: the later
// statements of the batch find these (locked) nodes by element id, which is much cheaper
// than another unique-index seek, and intake/upsert_users skips the created profiles.
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
                  u.`__created` = row.fresh IS NOT NULL
    ON MATCH SET u.user_id = row.lock_id
  WITH u, row, coalesce(u.`__created`, false) AS created
  REMOVE u.`__created`
  RETURN collect([row.lock_id, elementId(u), created]) AS users
}
CALL () {
  UNWIND $item_ids AS id
  MERGE (i:Item {item_id: id})
    ON CREATE SET i.created_at = $now
  SET i.item_id = id
  RETURN collect([id, elementId(i)]) AS items
}
RETURN users, items
