"""A database outage is a 503 with Retry-After, and a batch is never half-written."""

from __future__ import annotations

import httpx
from neo4j.exceptions import ServiceUnavailable

import app.intake.intake_repository as intake_repository
from app.main import create_app
from tests.helpers import scalar, track


async def test_unreachable_database_is_503(graph, settings, admin_headers):
    down = settings.model_copy(update={"neo4j_uri": "bolt://127.0.0.1:9"})
    app = create_app(down)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.post("/v1/batch", json={"batch": [track("u1")]}, headers=admin_headers)
    assert r.status_code == 503
    assert r.headers["Retry-After"] == str(settings.db_retry_after_s)
    assert r.json()["error"]["code"] == "database_unavailable"


async def test_failure_mid_batch_writes_nothing(client, graph, admin_headers, opt_out,
                                                monkeypatch):
    original = intake_repository._run

    async def failing(tx, name, **params):
        if name == "intake/create_events":  # profiles and items were already written in this tx
            raise ServiceUnavailable("connection lost")
        await original(tx, name, **params)

    monkeypatch.setattr(intake_repository, "_run", failing)
    batch = {"batch": [track("u1", "Order Completed", products=[{"product_id": "p1"}]),
                       {"type": "identify", "userId": "u1", "traits": {"a": 1}}]}
    r = await client.post("/v1/batch", json=batch, headers=admin_headers)
    assert r.status_code == 503 and "Retry-After" in r.headers
    assert await scalar(graph, "MATCH (n) WHERE n:User OR n:Event OR n:Item OR n:Identity "
                               "RETURN count(n)") == 0

    monkeypatch.setattr(intake_repository, "_run", original)
    r = await client.post("/v1/batch", json=batch, headers=admin_headers)
    assert r.status_code == 200 and r.json()["stored"] == 2
