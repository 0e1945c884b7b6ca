"""Console sessions: expiry, sign-out, ids stored only as hashes."""

from __future__ import annotations

from app.auth.console_sessions import SessionStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_and_absolute_expiry() -> None:
    clock = Clock()
    store = SessionStore(idle_s=60, absolute_s=300, clock=clock)
    sid, session = store.create("pg_k_secret", frozenset({"read"}))
    assert store.get(sid) is session
    clock.now += 59
    assert store.get(sid) is session  # use extends the idle window
    clock.now += 61
    assert store.get(sid) is None
    sid, _ = store.create("pg_k_secret", frozenset({"read"}))
    for _ in range(7):  # 350 s after sign-in, never idle for more than 50 s
        clock.now += 50
        store.get(sid)
    assert store.get(sid) is None  # past the absolute lifetime even when used


def test_sign_out_and_unknown_ids() -> None:
    store = SessionStore()
    sid, session = store.create("pg_k_secret", frozenset({"segments"}))
    assert session.allows("segments") and not session.allows("analyst")
    assert store.get("not-a-session") is None and store.get(None) is None
    store.end(sid)
    assert store.get(sid) is None and len(store) == 0


def test_the_store_never_holds_the_cookie_value() -> None:
    store = SessionStore()
    sid, _ = store.create("pg_k_secret", frozenset({"admin"}))
    assert sid not in store._sessions  # keyed by SHA-256 of the id
