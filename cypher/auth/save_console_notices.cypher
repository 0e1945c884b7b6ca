// The one-line notices waiting in a session for the page a form redirected to (JSON).
MATCH (s:ConsoleSession {session_hash: $session_hash})
SET s.notices = $notices
