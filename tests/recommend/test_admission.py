"""Recommendation requests past PROFILEGRAPH_RECOMMEND_MAX_CONCURRENCY wait for a slot."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from neo4j import AsyncDriver

from app.core.admission import Admission
from app.core.config import Settings
from app.core.metrics import RECOMMEND_WAITING
from app.main import create_app
from tests.conftest import ADMIN_KEY


async def test_at_most_limit_holders_and_the_rest_are_counted_waiting() -> None:
    admission = Admission(2, RECOMMEND_WAITING)
    inside, most = 0, 0
    release = asyncio.Event()

    async def request() -> None:
        nonlocal inside, most
        async with admission.slot():
            inside += 1
            most = max(most, inside)
            await release.wait()
            inside -= 1

    before = RECOMMEND_WAITING._value.get()
    tasks = [asyncio.create_task(request()) for _ in range(5)]
    await asyncio.sleep(0.05)
    assert inside == 2
    assert RECOMMEND_WAITING._value.get() - before == 3
    release.set()
    await asyncio.gather(*tasks)
    assert most == 2
    assert RECOMMEND_WAITING._value.get() == before


@pytest.mark.usefixtures("storefront")
async def test_the_route_waits_for_a_slot(graph: AsyncDriver, settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"recommend_max_concurrency": 1}))
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            admission = app.state.services.recommend_admission
            async with admission.slot():  # the one slot is taken: the request queues
                pending = asyncio.create_task(
                    client.get("/v1/users/alice/recommendations", headers=headers))
                # It reaches the slot after its cold reads (running experiments, the
                # shopper's read started): wait for it there on a deadline, not a fixed nap.
                deadline = asyncio.get_running_loop().time() + 30
                while RECOMMEND_WAITING._value.get() < 1:
                    assert not pending.done(), pending.result().text
                    assert asyncio.get_running_loop().time() < deadline
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.2)
                assert not pending.done()
            response = await asyncio.wait_for(pending, 30)
            assert response.status_code == 200, response.text
