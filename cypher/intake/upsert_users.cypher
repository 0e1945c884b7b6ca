UNWIND $users AS row
MERGE (u:User {user_id: row.user_id})
  ON CREATE SET u.created_at = $now
SET u += row.traits, u.updated_at = $now
