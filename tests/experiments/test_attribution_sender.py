"""An outcome event carrying a recommendation_id counts only when the exposed shopper sent
it (docs/experiments.md, attribution): someone else's click on a passed-on id counts for
nobody, in the results and in the links analysts see."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from neo4j import AsyncDriver

from tests.experiments.conftest import ITEMS, definition, flush, recommend, send, start, track


async def _linked(graph: AsyncDriver, rid: str) -> list[str]:
    records, _, _ = await graph.execute_query(
        "MATCH (u:User)-[:PERFORMED]->(:Event)-[:ATTRIBUTED_TO]->"
        "(:Exposure {recommendation_id: $rid}) RETURN u.user_id AS user ORDER BY user", rid=rid)
    return [r["user"] for r in records]


async def test_only_the_exposed_shopper_s_events_count(api: httpx.AsyncClient,
                                                       exp_app: FastAPI, graph: AsyncDriver,
                                                       admin_headers: dict) -> None:
    await send(api, admin_headers, *(track(f"buyer{n}", "Order Completed", item)
                                     for n, item in enumerate(ITEMS)))
    await start(api, admin_headers, definition())
    shown = await recommend(api, admin_headers, "buyer1")
    rid, item = shown["recommendation_id"], shown["items"][0]["item_id"]
    # before the exposure is written (linked by the exposure writer's pass) ...
    await send(api, admin_headers,
               track("buyer2", "Product Clicked", item, recommendation_id=rid))
    await flush(exp_app)
    # ... and after it (linked by the pass over just-ingested events)
    await send(api, admin_headers,
               track("buyer3", "Product Clicked", item, recommendation_id=rid),
               track("buyer3", "Order Completed", item, recommendation_id=rid, revenue=9.0))
    await flush(exp_app)
    results = (await api.get("/v1/experiments/recs-ab/results", headers=admin_headers)).json()
    assert sum(v["clicks"] for v in results["variants"]) == 0
    assert sum(v["conversions"] for v in results["variants"]) == 0
    assert await _linked(graph, rid) == []
    # the exposed shopper's own click counts
    await send(api, admin_headers,
               track("buyer1", "Product Clicked", item, recommendation_id=rid))
    await flush(exp_app)
    results = (await api.get("/v1/experiments/recs-ab/results", headers=admin_headers)).json()
    assert sum(v["clicks"] for v in results["variants"]) == 1
    assert await _linked(graph, rid) == ["buyer1"]
