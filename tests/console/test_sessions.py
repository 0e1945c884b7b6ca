"""Console sessions: kept in the graph (expiry, sign-out, ids and keys stored only as hashes),
and shared by every API process: signed in through one app instance, a session is honoured,
its notices shown and its sign-out applied by another."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
from neo4j import AsyncDriver

from app.auth.console_sessions import SessionStore
from app.core.config import Settings
from app.db.database import Database
from app.main import create_app
from tests.conftest import ADMIN_KEY
from tests.console.test_console_experiments import FORM
from tests.helpers import create_key, scalar

API = {"Authorization": f"Bearer {ADMIN_KEY}"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _store(graph: AsyncDriver, settings: Settings, **kw: object) -> SessionStore:
    return SessionStore(Database(graph, settings.neo4j_database), **kw)  # type: ignore[arg-type]


async def test_idle_and_absolute_expiry(graph: AsyncDriver, settings: Settings) -> None:
    clock = Clock()
    store = _store(graph, settings, idle_s=60, absolute_s=300, clock=clock)
    sid, session = await store.create("pg_k_secret", frozenset({"read"}))
    assert (await store.get(sid)).csrf_token == session.csrf_token
    clock.now += 59
    assert await store.get(sid) is not None  # use extends the idle window
    clock.now += 61
    assert await store.get(sid) is None
    assert await scalar(graph, "MATCH (s:ConsoleSession) RETURN count(s)") == 0
    sid, _ = await store.create("pg_k_secret", frozenset({"read"}))
    for _ in range(7):  # 350 s after sign-in, never idle for more than 50 s
        clock.now += 50
        await store.get(sid)
    assert await store.get(sid) is None  # past the absolute lifetime even when used


async def test_sign_out_unknown_ids_and_pruning(graph: AsyncDriver, settings: Settings) -> None:
    clock = Clock()
    store = _store(graph, settings, idle_s=60, clock=clock)
    sid, session = await store.create("pg_k_secret", frozenset({"segments"}))
    assert session.allows("segments") and not session.allows("analyst")
    assert await store.get("not-a-session") is None and await store.get(None) is None
    await store.end(sid)
    assert await store.get(sid) is None
    await store.create("pg_k_secret", frozenset({"read"}))
    clock.now += 61  # that one expires unused; the next sign-in deletes it
    await store.create("pg_k_secret", frozenset({"read"}))
    assert await scalar(graph, "MATCH (s:ConsoleSession) RETURN count(s)") == 1


async def test_the_store_never_holds_the_cookie_value_or_the_key(
        graph: AsyncDriver, settings: Settings) -> None:
    store = _store(graph, settings)
    sid, _ = await store.create("pg_k_secret", frozenset({"admin"}))
    stored = await scalar(graph, "MATCH (s:ConsoleSession) RETURN properties(s)")
    assert sid not in str(stored) and "pg_k_secret" not in str(stored)
    assert stored["key_id"] == "k" and len(stored["session_hash"]) == 64


@asynccontextmanager
async def instance(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """One app instance with its own lifespan and services: one API process."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def _cookie(session: str) -> dict[str, str]:
    return {"cookie": f"pg_console={session}"}


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def _sign_in(c: httpx.AsyncClient, key: str) -> str:
    form = await c.get("/console/signin")
    token = re.search(r'name="signin_token" value="([^"]+)"', form.text).group(1)
    r = await c.post("/console/signin", data={"api_key": key, "signin_token": token})
    assert r.status_code == 303, r.text
    c.cookies.clear()  # each request below names its session itself
    return r.cookies["pg_console"]


async def test_a_session_holds_on_every_process(graph: AsyncDriver, settings: Settings,
                                               tmp_path: Path) -> None:
    settings = settings.model_copy(update={"exposure_journal_dir": tmp_path / "journal"})
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(instance(settings))
        other = await stack.enter_async_context(instance(settings))
        analyst = await _sign_in(one, await create_key(one, API, "read", "analyst"))
        for c in [one, other] * 4:  # new connections, either process
            r = await c.get("/console/analyst", headers=_cookie(analyst))
            assert r.status_code == 200, (r.status_code, r.headers.get("location"))

        # a notice left by a form on one process is shown by the other
        admin = await _sign_in(other, ADMIN_KEY)
        page = await one.get("/console/experiments", headers=_cookie(admin))
        r = await one.post("/console/experiments", headers=_cookie(admin),
                           data={**FORM, "csrf_token": _csrf(page.text)})
        assert (r.status_code, r.headers.get("location")) == (303, "/console/experiments")
        shown = await other.get("/console/experiments", headers=_cookie(admin))
        assert 'id="experiments-notice">Saved experiment recs-ab' in shown.text

        # signed out through one process: the other no longer honours the cookie
        page = await one.get("/console/analyst", headers=_cookie(analyst))
        r = await one.post("/console/signout", headers=_cookie(analyst),
                           data={"csrf_token": _csrf(page.text)})
        assert r.status_code == 303
        r = await other.get("/console/analyst", headers=_cookie(analyst))
        assert (r.status_code, r.headers["location"]) == (303, "/console/signin")
