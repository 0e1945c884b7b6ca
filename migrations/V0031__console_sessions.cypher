// Console sign-in sessions live in the graph (app/auth/console_sessions.py), so every API
// process and replica reads the same ones; found by the SHA-256 of the cookie value.
CREATE CONSTRAINT console_session_hash IF NOT EXISTS
FOR (s:ConsoleSession) REQUIRE s.session_hash IS UNIQUE;
