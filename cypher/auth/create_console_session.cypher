// A console sign-in session: the cookie value's SHA-256, the key's id and SHA-256 (never the
// key itself), the CSRF token; times are epoch seconds.
CREATE (:ConsoleSession {session_hash: $session_hash, key_hash: $key_hash, key_id: $key_id,
                         csrf_token: $csrf_token, created_at: $now, last_seen: $now,
                         notices: '{}'})
