"""Console sign-in sessions, held in the graph so every API process and replica reads the same.

The browser holds only a random session id in an httpOnly, SameSite=Strict cookie. The graph
holds a (:ConsoleSession) found by the SHA-256 of that id (a dump of the store hands out no
usable cookie), the key's id and SHA-256 (never the key: every page re-checks the key's
scopes and revocation from them), the CSRF token, the times, and the one-line notices a
form left for the page it redirected to. Sessions expire after `idle_s` without use and
`absolute_s` after sign-in; sign-out ends a session for every process at once.

Why the graph rather than a signed cookie: sign-out and revocation must hold everywhere (a
self-contained cookie stays valid until it expires unless every process shares a deny
list, which would be shared state again), the key must stay out of the browser, and the
notices live server-side; a console page costs one more small write, which its traffic
affords.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from app.auth.api_keys import hash_key, key_id_of
from app.db.database import Database
from app.db.queries import queries

IDLE_S = 30 * 60
ABSOLUTE_S = 8 * 3600
PRUNE_LIMIT = 1000


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class ConsoleSession:
    key_hash: str = field(repr=False)
    key_id: str | None  # None for the bootstrap admin key (PROFILEGRAPH_ADMIN_API_KEY)
    scopes: frozenset[str]
    csrf_token: str
    created_at: float
    last_seen: float
    # one-line notices waiting for the page a form redirected to (app/console/flash.py):
    # path -> (notice, epoch seconds); saved with the session when a page changed them
    notices: dict[str, tuple[str, float]] = field(default_factory=dict, repr=False)
    session_hash: str = field(default="", repr=False)

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


def _notices(raw: str | None) -> dict[str, tuple[str, float]]:
    return {path: (text, at) for path, (text, at) in orjson.loads(raw or "{}").items()}


class SessionStore:
    def __init__(self, db: Database, idle_s: float = IDLE_S, absolute_s: float = ABSOLUTE_S,
                 clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._idle_s = idle_s
        self._absolute_s = absolute_s
        self._clock = clock  # wall clock: several processes compare these times

    def _limits(self) -> dict[str, Any]:
        return {"now": self._clock(), "idle_s": self._idle_s, "absolute_s": self._absolute_s}

    async def create(self, api_key: str, scopes: frozenset[str]) -> tuple[str, ConsoleSession]:
        """A new session; returns the id for the cookie (shown only here) and the session."""
        await self._db.write(queries["auth/prune_console_sessions"],
                             {**self._limits(), "limit": PRUNE_LIMIT})
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        session = ConsoleSession(hash_key(api_key), key_id_of(api_key), scopes,
                                 secrets.token_urlsafe(32), now, now,
                                 session_hash=_digest(session_id))
        await self._db.write(queries["auth/create_console_session"], {
            "session_hash": session.session_hash, "key_hash": session.key_hash,
            "key_id": session.key_id, "csrf_token": session.csrf_token, "now": now})
        return session_id, session

    async def get(self, session_id: str | None) -> ConsoleSession | None:
        """The live session of a cookie value (its use recorded), or None."""
        if not session_id:
            return None
        session_hash = _digest(session_id)
        rows = await self._db.write(queries["auth/touch_console_session"],
                                    {**self._limits(), "session_hash": session_hash})
        if not rows:
            return None
        if rows[0]["expired"]:
            await self.end(session_id)
            return None
        s = rows[0]["session"]
        return ConsoleSession(s["key_hash"], s["key_id"], frozenset(), s["csrf_token"],
                              s["created_at"], s["last_seen"], _notices(s["notices"]),
                              session_hash)

    async def end(self, session_id: str | None) -> None:
        if session_id:
            await self._db.write(queries["auth/end_console_session"],
                                 {"session_hash": _digest(session_id)})

    async def save_notices(self, session: ConsoleSession) -> None:
        await self._db.write(queries["auth/save_console_notices"], {
            "session_hash": session.session_hash,
            "notices": orjson.dumps(session.notices).decode()})
