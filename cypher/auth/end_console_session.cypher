// Sign-out (or expiry): the session is gone for every process.
MATCH (s:ConsoleSession {session_hash: $session_hash})
DELETE s
