"""Fixtures for the hostile-input tests: an app with adjusted settings, API keys, and a
probe that measures how long /healthz takes while another request is in flight."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from neo4j import AsyncDriver

from app.core.config import Settings
from app.main import create_app
from tests.intake.conftest import opt_out  # noqa: F401 (a fixture these tests use too)


@asynccontextmanager
async def app_client(settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


async def new_key(client: httpx.AsyncClient, admin_headers: dict[str, str], *scopes: str
                  ) -> dict[str, str]:
    r = await client.post("/v1/admin/keys", json={"name": "t", "scopes": list(scopes)},
                          headers=admin_headers)
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['key']}"}


async def healthz_while(client: httpx.AsyncClient, request: Callable[[], Awaitable[Any]]
                        ) -> tuple[Any, float]:
    """(the request's response, the slowest /healthz answer in ms while it was in flight)."""
    task = asyncio.create_task(request())
    slowest = 0.0
    await asyncio.sleep(0)
    while not task.done():
        started = time.perf_counter()
        r = await client.get("/healthz")
        assert r.status_code == 200
        slowest = max(slowest, (time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.01)
    return await task, slowest


async def count(graph: AsyncDriver, cypher: str) -> int:
    records, _, _ = await graph.execute_query(cypher)
    return records[0][0]
