// Profiles of a batch with their identify traits, in user_id order. Each profile is
// write-locked here (SET+REMOVE changes nothing but takes the lock), so concurrent batches
// lock shared profiles in one order and cannot deadlock later on their event edges.
// updated_at moves only when a trait changed.
UNWIND $users AS row
MERGE (u:User {user_id: row.user_id})
  ON CREATE SET u.created_at = $now, u.updated_at = $now
SET u.__lock = true
REMOVE u.__lock
WITH u, row, [k IN keys(row.traits) WHERE u[k] IS NULL OR u[k] <> row.traits[k]] AS changed
FOREACH (_ IN CASE WHEN size(changed) > 0 THEN [1] ELSE [] END |
  SET u += row.traits, u.updated_at = $now)
