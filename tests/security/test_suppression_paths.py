"""GDPR suppression on every path into intake, decided in the graph inside the intake
transaction: the API on another app instance than the one that erased (two 'processes' over
one Neo4j, nothing cached), `profilegraph import segment-ndjson` and the Online Retail
importer."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import orjson
from neo4j import AsyncDriver
from typer.testing import CliRunner, Result

from app.cli.main import app as cli
from app.core.config import Settings
from app.importers.online_retail import import_online_retail
from app.main import create_app
from app.wiring import Services
from tests.helpers import scalar, track
from tests.importers.test_import import retail_sample


@asynccontextmanager
async def instance(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """One app instance with its own lifespan, driver and services: one API process."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def _identify(user: str, anon: str) -> dict[str, Any]:
    return {"type": "identify", "messageId": str(uuid.uuid4()), "userId": user,
            "anonymousId": anon, "traits": {"email": f"{user}@example.com"}}


async def _profiles(graph: AsyncDriver) -> list[str]:
    return sorted(await scalar(graph, "MATCH (u:User) RETURN collect(u.user_id)"))


async def test_erased_on_one_instance_is_suppressed_at_once_on_another(
        graph: AsyncDriver, settings: Settings, admin_headers: dict, opt_out: Settings) -> None:
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(instance(settings))
        other = await stack.enter_async_context(instance(settings))
        # the other instance has served intake before the erasures (a per-process list of
        # erased people, had it one, would be loaded and current by then)
        r = await other.post("/v1/batch", json={"batch": [track("bystander")]},
                             headers=admin_headers)
        assert r.status_code == 200 and r.json()["stored"] == 1
        for n in range(5):
            user, anon = f"shopper-{n}", f"device-{n}"
            batch = [_identify(user, anon), track(user, anonymous_id=anon)]
            r = await one.post("/v1/batch", json={"batch": batch}, headers=admin_headers)
            assert r.json()["stored"] == 2, r.text
            assert (await one.delete(f"/v1/users/{user}", headers=admin_headers)
                    ).status_code == 200
            # re-delivered at once (new message ids) through the other instance
            again = [_identify(user, anon), track(user, anonymous_id=anon),
                     track(anonymous_id=anon)]
            r = await other.post("/v1/batch", json={"batch": again}, headers=admin_headers)
            assert r.status_code == 200, r.text
            assert (r.json()["stored"], r.json()["dropped_reasons"]) == (0, {"suppressed": 3})
            assert (await other.get(f"/v1/users/{user}/profile", headers=admin_headers)
                    ).status_code == 404
        assert await _profiles(graph) == ["bystander"]
        assert await scalar(graph, "MATCH (e:Event) RETURN count(e)") == 1


async def _import_ndjson(path: Any) -> Result:
    """`profilegraph import segment-ndjson PATH` (its own event loop, driver and services)."""
    result = await asyncio.to_thread(CliRunner().invoke, cli,
                                     ["import", "segment-ndjson", str(path)])
    assert result.exit_code == 0, result.output
    return result


async def test_segment_ndjson_import_drops_erased_people(
        graph: AsyncDriver, services: Services, tmp_path: Any, opt_out: Settings) -> None:
    first = [_identify("ann", "device-a"), track("ann", anonymous_id="device-a")]
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(m) for m in first))
    result = await _import_ndjson(path)
    assert await _profiles(graph) == ["ann"]
    await services.users.erase("ann")

    # the same file again (its events were erased, so their ids are new to the store), and
    # the person under their anonymous id only, next to someone else
    path.write_bytes(b"\n".join(orjson.dumps(m) for m in
                                [*first, track(anonymous_id="device-a"), track("ben")]))
    result = await _import_ndjson(path)
    assert re.search(r"dropped: suppressed\W+3\b", result.output), result.output
    assert await _profiles(graph) == ["ben"]


async def test_online_retail_import_drops_erased_customers(
        graph: AsyncDriver, services: Services, tmp_path: Any) -> None:
    path = retail_sample(tmp_path / "retail.parquet")
    await import_online_retail(services.intake, services.items, path, batch_lines=2)
    assert await _profiles(graph) == ["12345", "12346"]
    events = await scalar(graph, "MATCH (:User {user_id: '12346'})-[:PERFORMED]->(e) "
                                 "RETURN count(e)")
    await services.users.erase("12345")

    again = await import_online_retail(services.intake, services.items, path, batch_lines=2)
    assert again.totals.dropped.get("suppressed", 0) > 0
    assert await _profiles(graph) == ["12346"]
    assert await scalar(graph, "MATCH (:User {user_id: '12346'})-[:PERFORMED]->(e) "
                               "RETURN count(e)") == events
