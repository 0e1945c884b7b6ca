// The session of a cookie, its use recorded (last_seen) unless it has expired: idle for
// longer than $idle_s, or signed in longer than $absolute_s ago. One row, or none.
MATCH (s:ConsoleSession {session_hash: $session_hash})
WITH s, ($now - s.last_seen > $idle_s OR $now - s.created_at > $absolute_s) AS expired
SET s.last_seen = CASE WHEN expired THEN s.last_seen ELSE $now END
RETURN s {.key_hash, .key_id, .csrf_token, .created_at, .last_seen, .notices} AS session,
       expired
