// Expired sessions (idle or past their absolute lifetime), up to $limit: deleted at sign-in,
// so the store stays as small as the sessions in use.
MATCH (s:ConsoleSession)
WHERE $now - s.last_seen > $idle_s OR $now - s.created_at > $absolute_s
WITH s LIMIT $limit
DELETE s
