"""Outcomes attributed by recommendation_id (and the stated fallback), read back as results."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from neo4j import AsyncDriver

from tests.experiments.conftest import ITEMS, definition, flush, recommend, send, start, track


async def test_outcomes_by_recommendation_id_and_fallback(api: httpx.AsyncClient,
                                                          exp_app: FastAPI, graph: AsyncDriver,
                                                          admin_headers: dict) -> None:
    await send(api, admin_headers, *(track(f"buyer{n}", "Order Completed", item)
                                     for n, item in enumerate(ITEMS)))
    await start(api, admin_headers, definition())
    one = await recommend(api, admin_headers, "buyer1")
    two = await recommend(api, admin_headers, "buyer2")
    shown_one = [i["item_id"] for i in one["items"]]
    shown_two = [i["item_id"] for i in two["items"]]
    hidden = next(i for i in ITEMS if i not in shown_two)
    rid = one["recommendation_id"]
    # buyer1's click arrives before the exposure is written; buyer1 then buys via the id
    await send(api, admin_headers, track("buyer1", "Product Clicked", shown_one[0],
                                         recommendation_id=rid))
    await flush(exp_app)
    await send(api, admin_headers,
               track("buyer1", "Product Added", shown_one[0], recommendation_id=rid),
               track("buyer1", "Order Completed", shown_one[0], recommendation_id=rid,
                     revenue=30.0),
               # buyer2: no recommendation_id: a click on a shown item counts (fallback),
               # one on an item the list did not show does not
               track("buyer2", "Product Clicked", shown_two[0]),
               track("buyer2", "Product Clicked", hidden))
    await flush(exp_app)
    records, _, _ = await graph.execute_query(
        "MATCH (e:Event)-[:ATTRIBUTED_TO]->(x:Exposure {recommendation_id: $rid}) "
        "RETURN e.type AS type ORDER BY type", rid=rid)
    assert [r["type"] for r in records] == ["order_completed", "product_added",
                                            "product_clicked"]
    # analysts see the linked exposures through the saved query
    saved = (await api.post("/v1/cypher/saved/experiment_exposures_by_variant",
                            json={"params": {"experiment_id": "recs-ab"}},
                            headers=admin_headers)).json()
    columns = saved["columns"]
    linked = [dict(zip(columns, row, strict=True)) for row in saved["rows"]]
    assert sum(r["exposures"] for r in linked) == 2
    assert sum(r["clicked_exposures"] for r in linked) == 1  # the fallback click is not linked
    assert sum(r["converted_exposures"] for r in linked) == 1
    results = (await api.get("/v1/experiments/recs-ab/results", headers=admin_headers)).json()
    by_name = {v["name"]: v for v in results["variants"]}
    assert sum(v["exposures"] for v in by_name.values()) == 2
    assert sum(v["shoppers"] for v in by_name.values()) == 2
    assert sum(v["clicks"] for v in by_name.values()) == 2
    assert sum(v["adds"] for v in by_name.values()) == 1
    assert sum(v["conversions"] for v in by_name.values()) == 1
    assert sum(v["revenue"] for v in by_name.values()) == 30.0
    v1 = by_name[one["experiment"]["variant"]]
    assert v1["conversion"]["value"] > 0 and v1["revenue_per_exposure"]["value"] > 0
    assert results["attribution"] == {"by": "properties.recommendation_id",
                                      "fallback_window_hours": 24}
    # started today, two shoppers: no look yet, and far below the minimum sample
    primary = next(c for c in results["comparisons"] if c["primary"])
    assert primary["verdict"] == "waiting_for_first_look"
    assert "at least 100 shoppers in every variant" in primary["verdict_reason"]
    assert results["sample_size"]["minimum_per_variant"] == 100
    metrics = (await api.get("/metrics")).text
    assert 'profilegraph_experiment_outcomes_total{strategy=' in metrics
    assert 'profilegraph_recommendations_served_total{experiment="recs-ab"' in metrics


async def test_late_events_outside_the_window_do_not_count(api: httpx.AsyncClient,
                                                           exp_app: FastAPI,
                                                           admin_headers: dict) -> None:
    await send(api, admin_headers, *(track(f"buyer{n}", "Order Completed", item)
                                     for n, item in enumerate(ITEMS)))
    await start(api, admin_headers, definition())
    shown = await recommend(api, admin_headers, "buyer3")
    await flush(exp_app)
    before = "2020-01-01T00:00:00Z"  # long before the exposure: not caused by it
    await send(api, admin_headers,
               track("buyer3", "Order Completed", shown["items"][0]["item_id"],
                     timestamp=before))
    results = (await api.get("/v1/experiments/recs-ab/results", headers=admin_headers)).json()
    assert sum(v["conversions"] for v in results["variants"]) == 0
