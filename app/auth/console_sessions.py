"""Console sign-in sessions, held server-side in process memory.

The browser holds only a random session id in an httpOnly, SameSite=Strict cookie; the API
key stays here so every page re-checks it (a revoked key ends its sessions within the auth
cache's lifetime). Sessions expire after `idle_s` without use and `absolute_s` after sign-in,
and are lost on restart (people sign in again). Several replicas need sticky sessions or a
shared store behind this same interface.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

IDLE_S = 30 * 60
ABSOLUTE_S = 8 * 3600
MAX_SESSIONS = 10_000


def _digest(session_id: str) -> str:
    # Stored by hash: a memory dump does not hand out usable cookies.
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class ConsoleSession:
    api_key: str = field(repr=False)
    scopes: frozenset[str]
    csrf_token: str
    created_at: float
    last_seen: float
    # one-line notices waiting for the page a form redirected to (app/console/flash.py)
    notices: dict[str, tuple[str, float]] = field(default_factory=dict, repr=False)

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


class SessionStore:
    def __init__(self, idle_s: float = IDLE_S, absolute_s: float = ABSOLUTE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._idle_s = idle_s
        self._absolute_s = absolute_s
        self._clock = clock
        self._sessions: dict[str, ConsoleSession] = {}

    def create(self, api_key: str, scopes: frozenset[str]) -> tuple[str, ConsoleSession]:
        """A new session; returns the id for the cookie (shown only here) and the session."""
        self._expire()
        if len(self._sessions) >= MAX_SESSIONS:  # evict the least recently used
            oldest = min(self._sessions, key=lambda k: self._sessions[k].last_seen)
            del self._sessions[oldest]
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        session = ConsoleSession(api_key, scopes, secrets.token_urlsafe(32), now, now)
        self._sessions[_digest(session_id)] = session
        return session_id, session

    def get(self, session_id: str | None) -> ConsoleSession | None:
        if not session_id:
            return None
        key = _digest(session_id)
        session = self._sessions.get(key)
        if session is None:
            return None
        now = self._clock()
        if now - session.last_seen > self._idle_s or now - session.created_at > self._absolute_s:
            del self._sessions[key]
            return None
        session.last_seen = now
        return session

    def end(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(_digest(session_id), None)

    def _expire(self) -> None:
        now = self._clock()
        stale = [k for k, s in self._sessions.items()
                 if now - s.last_seen > self._idle_s or now - s.created_at > self._absolute_s]
        for k in stale:
            del self._sessions[k]

    def __len__(self) -> int:
        return len(self._sessions)
