// Profiles of a batch with their identify traits; updated_at moves only when a trait changed.
UNWIND $users AS row
MERGE (u:User {user_id: row.user_id})
  ON CREATE SET u.created_at = $now, u.updated_at = $now
WITH u, row, [k IN keys(row.traits) WHERE u[k] IS NULL OR u[k] <> row.traits[k]] AS changed
FOREACH (_ IN CASE WHEN size(changed) > 0 THEN [1] ELSE [] END |
  SET u += row.traits, u.updated_at = $now)
